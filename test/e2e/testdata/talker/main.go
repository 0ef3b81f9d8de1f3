// Command talker is the app of the dashboard's end-to-end test and benchmark: a static binary for
// a FROM scratch image that prints numbered lines at a steady rate.
//
//	NAME   the word every line starts with (default: talker)
//	RATE   lines per second (default 5)
//	TOTAL  lines to print, then "NAME done TOTAL in DURATION" and idle; 0 = forever
//	DELAY  wait this long before the first line (a Go duration)
package main

import (
	"bufio"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"
)

func main() {
	name := os.Getenv("NAME")
	if name == "" {
		name = "talker"
	}
	rate, err := strconv.Atoi(os.Getenv("RATE"))
	if err != nil || rate <= 0 {
		rate = 5
	}
	total, _ := strconv.Atoi(os.Getenv("TOTAL"))
	delay, _ := time.ParseDuration(os.Getenv("DELAY"))
	// As PID 1 a process gets no signal it does not handle: handle SIGTERM so a stop or a
	// restart takes milliseconds, not the engine's grace period.
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, os.Interrupt)
	go func() {
		<-stop
		os.Exit(0)
	}()
	time.Sleep(delay)
	w := bufio.NewWriterSize(os.Stdout, 64<<10)
	// Write in bursts of at most a hundredth of a second's lines, paced against the start time
	// so a slow write does not lower the rate.
	burst := max(rate/100, 1)
	start := time.Now()
	for i := 1; total == 0 || i <= total; i++ {
		fmt.Fprintf(w, "%s line %d\n", name, i)
		if i%burst == 0 {
			_ = w.Flush()
			if d := time.Duration(i)*time.Second/time.Duration(rate) - time.Since(start); d > 0 {
				time.Sleep(d)
			}
		}
	}
	fmt.Fprintf(w, "%s done %d in %s\n", name, total, time.Since(start).Round(time.Millisecond))
	_ = w.Flush()
	<-stop // idle until stopped
}
