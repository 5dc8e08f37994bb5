package loadclient

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestDo(t *testing.T) {
	big := strings.Repeat("é", 40_000) // over the server's buffer: answered chunked
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		switch r.URL.Path {
		case "/echo":
			w.Header().Set("X-Type", r.Header.Get("Content-Type"))
			w.WriteHeader(http.StatusCreated)
			w.Write(b)
		case "/big":
			w.Write([]byte(big))
		case "/close":
			w.Header().Set("Connection", "close")
			w.Write([]byte("bye"))
		case "/empty":
			w.WriteHeader(http.StatusNoContent)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	c := Dial(strings.TrimPrefix(srv.URL, "http://"), 5*time.Second)
	defer c.Close()

	cases := []struct {
		method, path string
		body         string
		status       int
		want         string
	}{
		{"POST", "/echo", `{"a":1}`, 201, `{"a":1}`},
		{"POST", "/echo", "", 201, ""},
		{"GET", "/big", "", 200, big},
		{"GET", "/close", "", 200, "bye"},
		{"POST", "/echo", "after a close", 201, "after a close"},
		{"GET", "/empty", "", 204, ""},
		{"GET", "/nope", "", 404, "404 page not found\n"},
		{"POST", "/echo", "again", 201, "again"},
	}
	for _, tc := range cases {
		var body []byte
		if tc.body != "" {
			body = []byte(tc.body)
		}
		resp, err := c.Do(tc.method, tc.path, []string{"Content-Type: application/json"}, body)
		if err != nil {
			t.Fatalf("%s %s: %v", tc.method, tc.path, err)
		}
		if resp.Status != tc.status || string(resp.Body) != tc.want {
			t.Errorf("%s %s = %d %.40q, want %d %.40q", tc.method, tc.path, resp.Status, resp.Body, tc.status, tc.want)
		}
	}
}

// A connection the server closed while idle is replaced without an error.
func TestServerClosesIdleConnection(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("ok"))
	}))
	srv.Config.IdleTimeout = 50 * time.Millisecond
	srv.Start()
	defer srv.Close()
	c := Dial(strings.TrimPrefix(srv.URL, "http://"), 5*time.Second)
	defer c.Close()
	for i := range 3 {
		resp, err := c.Do("GET", "/", nil, nil)
		if err != nil || string(resp.Body) != "ok" {
			t.Fatalf("request %d: %v %q", i, err, resp.Body)
		}
		time.Sleep(150 * time.Millisecond)
	}
}

func TestUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	addr := strings.TrimPrefix(srv.URL, "http://")
	srv.Close()
	if _, err := Dial(addr, time.Second).Do("GET", "/", nil, nil); err == nil {
		t.Fatal("a request to a closed server gave no error")
	}
}
