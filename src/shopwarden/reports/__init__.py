"""Campaign reports (REPORT): GMV completion, growth and repurchase per campaign, industry."""
