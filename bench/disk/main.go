// Command disk measures how this machine's disk flushes: it writes SIZE
// bytes in place into a preallocated file and flushes them (fdatasync), as
// a database commit does, RATE times a second (or as fast as it can) for
// a while, and reports the flush latencies and the stalls (flushes over
// 20 ms). The registration and diagnostic benchmarks wait for such
// flushes, so their tail latencies follow these.
//
//	go run ./bench/disk -rate 200 -size 81920 -d 15s
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"time"
)

func main() {
	dir := flag.String("dir", os.TempDir(), "folder of the test file (on the disk to measure)")
	rate := flag.Int("rate", 0, "flushes a second; 0 for as fast as the disk answers")
	size := flag.Int("size", 8192, "bytes written before each flush")
	d := flag.Duration("d", 15*time.Second, "how long to measure")
	flag.Parse()
	if err := run(*dir, *rate, *size, *d); err != nil {
		fmt.Fprintln(os.Stderr, "disk:", err)
		os.Exit(1)
	}
}

func run(dir string, rate, size int, d time.Duration) error {
	const span = 64 << 20 // the file, written round and round
	f, err := os.CreateTemp(dir, "flush-*.dat")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	if _, err := f.WriteAt(make([]byte, span), 0); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	buf := make([]byte, size)
	var lat []time.Duration
	var stalled time.Duration
	off := int64(0)
	start := time.Now()
	next := start
	for time.Since(start) < d {
		if rate > 0 {
			next = next.Add(time.Second / time.Duration(rate))
			time.Sleep(time.Until(next))
		}
		if _, err := f.WriteAt(buf, off); err != nil {
			return err
		}
		off = (off + int64(size)) % (span - int64(size))
		t := time.Now()
		if err := syscall.Fdatasync(int(f.Fd())); err != nil {
			return err
		}
		l := time.Since(t)
		lat = append(lat, l)
		if l > 20*time.Millisecond {
			stalled += l
		}
	}
	elapsed := time.Since(start)
	slices.Sort(lat)
	pct := func(p float64) time.Duration { return lat[int(p*float64(len(lat)-1))] }
	stalls := len(lat) - slices.IndexFunc(lat, func(l time.Duration) bool { return l > 20*time.Millisecond })
	if lat[len(lat)-1] <= 20*time.Millisecond {
		stalls = 0
	}
	pace := "as fast as possible"
	if rate > 0 {
		pace = fmt.Sprintf("%d a second", rate)
	}
	fmt.Printf("%s: %d B then a flush, %s: %d flushes in %s (%.1f MB/s)\n", filepath.Dir(f.Name()), size, pace,
		len(lat), elapsed.Round(time.Millisecond), float64(size*len(lat))/elapsed.Seconds()/1e6)
	fmt.Printf("flush p50 %s  p99 %s  p99.9 %s  max %s; %d over 20 ms, stalled %s (%.1f %% of the time)\n",
		ms(pct(.5)), ms(pct(.99)), ms(pct(.999)), ms(lat[len(lat)-1]), stalls, stalled.Round(time.Millisecond),
		100*stalled.Seconds()/elapsed.Seconds())
	return nil
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }
