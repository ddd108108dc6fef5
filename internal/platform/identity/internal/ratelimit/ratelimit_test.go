package ratelimit

import (
	"fmt"
	"testing"
	"time"
)

func TestBucket(t *testing.T) {
	l := New(3, 10*time.Second)
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	for i := range 3 {
		if !l.Take("a", now) {
			t.Fatalf("take %d refused within the burst", i)
		}
	}
	if l.Take("a", now) {
		t.Fatal("take allowed beyond the burst")
	}
	if !l.Take("b", now) {
		t.Fatal("another key shares the bucket")
	}
	if l.Take("a", now.Add(9*time.Second)) {
		t.Fatal("token regained too early")
	}
	if !l.Take("a", now.Add(10*time.Second)) || l.Take("a", now.Add(10*time.Second)) {
		t.Fatal("want exactly one token back after one interval")
	}
	l.Give("a", now.Add(10*time.Second))
	if !l.Take("a", now.Add(10*time.Second)) {
		t.Fatal("a given token cannot be taken")
	}
	// Long idle refills to the burst and no further.
	later := now.Add(time.Hour)
	for range 3 {
		l.Take("a", later)
	}
	if l.Take("a", later) {
		t.Fatal("bucket filled beyond its burst")
	}
}

func TestSweep(t *testing.T) {
	l := New(2, time.Second)
	l.sweepAt = 4
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	for i := range 4 {
		l.Take(fmt.Sprint(i), now)
		l.Take(fmt.Sprint(i), now)
	}
	l.Take("late", now.Add(time.Second)) // the first four are not full yet
	if len(l.buckets) != 5 {
		t.Fatalf("buckets = %d, want 5", len(l.buckets))
	}
	l.Take("later", now.Add(time.Hour))
	if len(l.buckets) != 1 {
		t.Fatalf("buckets = %d after a sweep, want 1", len(l.buckets))
	}
}

func TestLockouts(t *testing.T) {
	l := NewLockouts(3, time.Minute)
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	if l.Fail("x", now) || l.Fail("x", now) || l.Locked("x", now) {
		t.Fatal("locked before the third failure")
	}
	if !l.Fail("x", now) || !l.Locked("x", now.Add(59*time.Second)) {
		t.Fatal("third failure did not lock")
	}
	if l.Locked("y", now) {
		t.Fatal("another key is locked")
	}
	if l.Locked("x", now.Add(time.Minute)) {
		t.Fatal("lock did not expire")
	}
}
