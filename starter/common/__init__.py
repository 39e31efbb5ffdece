"""What the site and the staff pages share: access checks, rendering, languages, limits."""
