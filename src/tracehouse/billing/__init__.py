"""Billing for hosted instances: checkout, the customer portal and the provider's webhooks."""
