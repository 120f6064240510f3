"""Agency pictures: fetched safely, stored once, rendered once, shown everywhere, killable."""
