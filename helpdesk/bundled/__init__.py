"""Data shipped with the package: `templates` and `rules` link to the source tree's templates/ and
rules/ folders; pyproject's package-data copies both into the wheel."""
