"""Class life set in the console: homework, countdowns, evaluation categories, highlight classes."""
