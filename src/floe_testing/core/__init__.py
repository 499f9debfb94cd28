"""Foundation every stage shares: the product's errors (each with the next step to run), the
console, and the one wait/poll helper."""
