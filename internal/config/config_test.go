package config

import "testing"

func TestFromEnv(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	c, err := FromEnv(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:8080" || c.DB != "sqlite:vitrine.db" || c.MailRate != 10 || !c.Workers {
		t.Errorf("defaults = %+v", c)
	}
	if c.PublicURL() != "http://127.0.0.1:8080" {
		t.Errorf("public URL %s", c.PublicURL())
	}
	c, err = FromEnv(env(map[string]string{"VITRINE_ADDR": ":9000", "VITRINE_MAIL_RATE": "0", "VITRINE_BASE_URL": "https://vitrine.example/", "VITRINE_TRUST_PROXY": "true"}))
	if err != nil || c.Addr != ":9000" || c.MailRate != 0 || c.PublicURL() != "https://vitrine.example" || !c.TrustProxy {
		t.Errorf("from env = %+v, %v", c, err)
	}
	for _, bad := range []map[string]string{
		{"VITRINE_MAIL_RATE": "fast"},
		{"VITRINE_MAIL_RATE": "-1"},
		{"VITRINE_RATE_LIMIT": "lots"},
		{"VITRINE_TRUST_PROXY": "maybe"},
		{"VITRINE_LOG_FORMAT": "xml"},
	} {
		if _, err := FromEnv(env(bad)); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}
