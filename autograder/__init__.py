"""Trusted autograder for the course (python -m autograder)."""
