"""Helpers for the course notebooks of Machine Learning for Big Scientific Data."""
