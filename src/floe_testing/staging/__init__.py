"""The staging tier's host side: soak runs (one platform, the suite repeated, resource use
sampled, drift found) and the performance checks the staging suite records against its baseline."""
