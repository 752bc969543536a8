"""Analytics: summary, charts, breakdowns, failures, costs and cost intelligence."""
