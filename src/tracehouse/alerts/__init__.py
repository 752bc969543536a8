"""Alerts: rules over metrics of a project's traces, evaluated on a schedule, notifying channels."""
