"""English formats that differ from Django's (whose English is American: "July 23, 2028, 10:20
p.m."): the day before the month, as the site's British English writes it elsewhere
(``core.dates``: 23 July 2028, 10:20 p.m.)."""

DATE_FORMAT = "j F Y"
SHORT_DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j F Y, g:i a"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
MONTH_DAY_FORMAT = "j F"
