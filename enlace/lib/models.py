from django.db import models


class RateCounter(models.Model):
    """One rate limit's current window: how many attempts since `window_start`
    (enlace.lib.ratelimit, on every cache but Redis, which holds its own)."""

    key = models.CharField(max_length=80, primary_key=True)
    window_start = models.DateTimeField()
    count = models.IntegerField(default=0)

    class Meta:
        db_table = "enlace_rate_counter"

    def __str__(self):
        return f"{self.key}: {self.count} since {self.window_start}"
