"""Coordination services: organisations, people, cohorts, scope and enrolment (no Flask request)."""
