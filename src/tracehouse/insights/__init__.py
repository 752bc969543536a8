"""Insights: drift, anomalies, failure clusters and root-cause analysis of failed traces."""
