"""Korean formats that differ from Django's: the time of day is written 오후 10:20 (the marker
before the time), as in 2028년 7월 23일 오후 10:20. Every other format is Django's own."""

DATETIME_FORMAT = "Y년 n월 j일 A g:i"
