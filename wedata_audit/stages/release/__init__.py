"""The release review: what a release changes (changes) and how its findings compare with production (review)."""
