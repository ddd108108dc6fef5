package db_test

import "time"

var timeOf2026 = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
