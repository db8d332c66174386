package shared

import (
	"strings"
	"testing"
)

// TestConfigURLs: the server URLs are checked, and credentials in them are
// refused (ps would show them), with a message saying where they go.
func TestConfigURLs(t *testing.T) {
	for _, c := range []struct {
		name, meta, data, volume, wantErr string
	}{
		{"good", "postgres://u@h:5432/db?sslmode=disable", "s3://h:9000/bucket/pre?tls=false", "team", ""},
		{"password in meta", "postgres://u:secret@h/db", "s3://h/b", "team", "PGPASSWORD"},
		{"keys in data", "postgres://u@h/db", "s3://AK:SK@h/b", "team", "AWS_ACCESS_KEY_ID"},
		{"not postgres", "mysql://u@h/db", "s3://h/b", "team", "want postgres://"},
		{"no bucket", "postgres://u@h/db", "s3://h/", "team", "no bucket"},
		{"bad tls", "postgres://u@h/db", "s3://h/b?tls=maybe", "team", "tls="},
		{"bad name", "postgres://u@h/db", "s3://h/b", "Team-1", "volume name"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := checkName(c.volume)
			if err == nil {
				_, err = metaConfig(c.meta, c.volume)
			}
			if err == nil {
				_, err = parseData(c.data)
			}
			switch {
			case c.wantErr == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)):
				t.Fatalf("error %v, want one containing %q", err, c.wantErr)
			case err != nil && strings.Contains(err.Error(), "secret"):
				t.Fatalf("the error shows the password: %v", err)
			}
		})
	}
	d, err := parseData("s3://h:9000/bucket/pre/fix?tls=false&region=eu")
	if err != nil || d.endpoint != "h:9000" || d.bucket != "bucket" || d.prefix != "pre/fix/" || d.tls || d.region != "eu" {
		t.Fatalf("parseData: %+v, %v", d, err)
	}
}
