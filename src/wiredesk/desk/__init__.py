"""The duty desk: one screen where the people who answer for the site watch and steer the wire."""
