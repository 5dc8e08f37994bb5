// Package loadclient is the HTTP/1.1 client of the load generators under
// bench/: one keep-alive connection per simulated client, requests written
// in one piece and answers read with no more work than it takes to find
// their end.
//
// The load generators run on the same cores as the server they measure, so
// every microsecond the client spends is taken from the server. The
// standard library's client, with its connection pool, goroutines per
// connection and header maps, costs about 150 µs of CPU per request on the
// benchmark machine; this one about a fifth of that, much like the C tools
// (wrk, h2load) that do the same job. It speaks only what the benchmarks
// need: POST and GET with a body of known length, answers with a
// Content-Length or chunked, keep-alive, and a new connection when the
// server closes one.
package loadclient

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"time"
)

// Conn is one client's keep-alive connection to the server. It is not safe
// for concurrent use: each simulated client has its own.
type Conn struct {
	addr    string // host:port
	timeout time.Duration
	c       net.Conn
	r       *bufio.Reader
	req     []byte
	body    []byte
}

// Dial returns a client of the server at addr (host:port); the connection
// itself is made on the first request. timeout bounds each request.
func Dial(addr string, timeout time.Duration) *Conn {
	return &Conn{addr: addr, timeout: timeout}
}

// Response is an answer: its status and body. The body is valid until the
// next request on the same Conn.
type Response struct {
	Status int
	Body   []byte
}

// Do sends one request and reads its whole answer. headers are extra
// header lines, each "Name: value". A request on a connection the server
// had closed meanwhile is sent again once on a new connection.
func (c *Conn) Do(method, path string, headers []string, body []byte) (Response, error) {
	c.req = c.req[:0]
	c.req = append(c.req, method...)
	c.req = append(c.req, ' ')
	c.req = append(c.req, path...)
	c.req = append(c.req, " HTTP/1.1\r\nHost: "...)
	c.req = append(c.req, c.addr...)
	c.req = append(c.req, "\r\n"...)
	for _, h := range headers {
		c.req = append(c.req, h...)
		c.req = append(c.req, "\r\n"...)
	}
	if body != nil || method == "POST" {
		c.req = append(c.req, "Content-Length: "...)
		c.req = strconv.AppendInt(c.req, int64(len(body)), 10)
		c.req = append(c.req, "\r\n"...)
	}
	c.req = append(c.req, "\r\n"...)
	c.req = append(c.req, body...)

	fresh := c.c == nil
	resp, err := c.roundTrip()
	if err != nil && !fresh && reusedConnError(err) {
		// The server closed the idle connection before our request reached it.
		c.Close()
		resp, err = c.roundTrip()
	}
	if err != nil {
		c.Close()
	}
	return resp, err
}

// reusedConnError is an error that, on a connection used before, means the
// server had closed it: the request can safely go again.
func reusedConnError(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) ||
		errors.Is(err, errReset)
}

var errReset = errors.New("connection reset before the answer")

func (c *Conn) roundTrip() (Response, error) {
	if c.c == nil {
		nc, err := net.DialTimeout("tcp", c.addr, c.timeout)
		if err != nil {
			return Response{}, err
		}
		c.c = nc
		if c.r == nil {
			c.r = bufio.NewReaderSize(nc, 32<<10)
		} else {
			c.r.Reset(nc)
		}
	}
	if c.timeout > 0 {
		c.c.SetDeadline(time.Now().Add(c.timeout))
	}
	if _, err := c.c.Write(c.req); err != nil {
		return Response{}, errReset
	}
	return c.readResponse()
}

// readResponse reads the status line, the headers and the body.
func (c *Conn) readResponse() (Response, error) {
	line, err := c.line()
	if err != nil {
		return Response{}, err
	}
	// "HTTP/1.1 201 Created"
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) {
		return Response{}, fmt.Errorf("bad status line %q", line)
	}
	status, err := strconv.Atoi(string(line[9:12]))
	if err != nil {
		return Response{}, fmt.Errorf("bad status line %q", line)
	}
	length, chunked, closing := -1, false, false
	for {
		h, err := c.line()
		if err != nil {
			return Response{}, err
		}
		if len(h) == 0 {
			break
		}
		name, value, ok := bytes.Cut(h, []byte(":"))
		if !ok {
			return Response{}, fmt.Errorf("bad header line %q", h)
		}
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			if length, err = strconv.Atoi(string(value)); err != nil || length < 0 {
				return Response{}, fmt.Errorf("bad Content-Length %q", value)
			}
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			chunked = bytes.EqualFold(value, []byte("chunked"))
		case bytes.EqualFold(name, []byte("Connection")):
			closing = bytes.EqualFold(value, []byte("close"))
		}
	}
	c.body = c.body[:0]
	switch {
	case status == 204 || status == 304 || status < 200:
		// no body
	case chunked:
		err = c.readChunked()
	case length >= 0:
		err = c.readN(length)
	default: // the body ends with the connection
		var b []byte
		b, err = io.ReadAll(c.r)
		c.body, closing = append(c.body, b...), true
	}
	if err != nil {
		return Response{}, err
	}
	if closing {
		c.Close()
	}
	return Response{Status: status, Body: c.body}, nil
}

func (c *Conn) readN(n int) error {
	start := len(c.body)
	c.body = append(c.body, make([]byte, n)...)
	_, err := io.ReadFull(c.r, c.body[start:])
	return err
}

func (c *Conn) readChunked() error {
	for {
		line, err := c.line()
		if err != nil {
			return err
		}
		size, _, _ := bytes.Cut(line, []byte(";"))
		n, err := strconv.ParseInt(string(bytes.TrimSpace(size)), 16, 32)
		if err != nil || n < 0 {
			return fmt.Errorf("bad chunk size %q", line)
		}
		if n == 0 {
			for { // trailers, up to the empty line
				t, err := c.line()
				if err != nil || len(t) == 0 {
					return err
				}
			}
		}
		if err := c.readN(int(n)); err != nil {
			return err
		}
		if crlf, err := c.line(); err != nil || len(crlf) != 0 {
			return fmt.Errorf("bad chunk end: %v", err)
		}
	}
}

// line reads one line without its CRLF; it is valid until the next read.
func (c *Conn) line() ([]byte, error) {
	l, err := c.r.ReadSlice('\n')
	if err != nil {
		if errors.Is(err, bufio.ErrBufferFull) {
			return nil, errors.New("header line too long")
		}
		return nil, err
	}
	l = l[:len(l)-1]
	if n := len(l); n > 0 && l[n-1] == '\r' {
		l = l[:n-1]
	}
	return l, nil
}

// Close closes the connection; the next request opens a new one.
func (c *Conn) Close() {
	if c.c != nil {
		c.c.Close()
		c.c = nil
	}
}
