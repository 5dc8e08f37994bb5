package staff

import (
	"strings"
	"testing"
)

func TestCan(t *testing.T) {
	tests := []struct {
		role Role
		perm Permission
		want bool
	}{
		{Admin, ManageBudget, true},
		{Admin, ManageSessions, true},
		{Consultant, ManageSessions, true},
		{Consultant, CheckIn, true},
		{Consultant, ManageBudget, false},
		{Consultant, ViewStats, false},
		{Partner, ManageContacts, true},
		{Partner, SendInvitations, true},
		{Partner, ManageSessions, false},
		{Provider, ManageTrainings, true},
		{Provider, ViewRegistrations, false},
		{Commune, ViewStats, true},
		{Commune, ManageOutreach, false},
		{Role("root"), ManageUsers, false},
	}
	for _, tt := range tests {
		t.Run(string(tt.role)+"/"+string(tt.perm), func(t *testing.T) {
			if got := tt.role.Can(tt.perm); got != tt.want {
				t.Errorf("%s.Can(%s) = %v, want %v", tt.role, tt.perm, got, tt.want)
			}
		})
	}
	disabled := User{Role: Admin}
	disabled.DisabledAt = disabled.CreatedAt.AddDate(2026, 0, 0)
	if disabled.Can(ManageUsers) {
		t.Error("a disabled account may still act")
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		u    User
		ok   bool
	}{
		{"admin", User{Role: Admin}, true},
		{"commune with NIS", User{Role: Commune, CommuneNIS: "52012"}, true},
		{"commune without NIS", User{Role: Commune}, false},
		{"provider without provider", User{Role: Provider}, false},
		{"consultant scoped to a commune", User{Role: Consultant, CommuneNIS: "52012"}, false},
		{"unknown role", User{Role: "root"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.u.Validate(); (err == nil) != tt.ok {
				t.Errorf("Validate() = %v, want ok=%v", err, tt.ok)
			}
		})
	}
}

func TestSecrets(t *testing.T) {
	a, ha := NewSecret(TokenPrefix)
	b, hb := NewSecret(TokenPrefix)
	if a == b || ha == hb {
		t.Fatal("two secrets are equal")
	}
	if !strings.HasPrefix(a, "vt_") || len(a) < 40 {
		t.Errorf("secret %q", a)
	}
	if Hash(a) != ha || strings.Contains(ha, a) {
		t.Error("hash does not match or leaks the secret")
	}
}
