"""Finding printed marker cards and QR codes in camera frames and photos (OpenCV)."""
