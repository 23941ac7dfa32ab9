"""Building blocks of the synthetic demo city (see ``twin.demo_city``)."""
