"""The normal-use (常态化/普及化) report: which classes took part, week by week and per term."""
