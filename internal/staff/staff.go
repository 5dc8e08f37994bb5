// Package staff defines the people who run the campaign, their roles, what
// each role may do, and the secrets that sign them in. Standard library only.
package staff

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"slices"
	"time"

	"vitrine/internal/apperr"
)

// Role is what a staff account is for.
type Role string

const (
	Admin      Role = "admin"      // the programme team
	Consultant Role = "consultant" // facilitators
	Partner    Role = "partner"    // the federation that invites shopkeepers
	Provider   Role = "provider"   // a training provider: its own catalogue only
	Commune    Role = "commune"    // one municipality: its own figures only
)

// Roles lists every role, in the order shown to people.
var Roles = []Role{Admin, Consultant, Partner, Provider, Commune}

// ParseRole checks a role name.
func ParseRole(s string) (Role, error) {
	r := Role(s)
	if slices.Contains(Roles, r) {
		return r, nil
	}
	return "", apperr.Field("role", "error.role.unknown", map[string]any{"Value": s})
}

// Permission is one thing a role may do.
type Permission string

const (
	ManageSessions    Permission = "sessions.manage"    // create and edit information sessions
	ViewRegistrations Permission = "registrations.view" // attendee lists
	CheckIn           Permission = "registrations.checkin"
	ViewStats         Permission = "stats.view" // a commune account: its own commune only
	ManageOutreach    Permission = "outreach.manage"
	ManageContacts    Permission = "contacts.manage"
	SendInvitations   Permission = "invitations.send"
	ManageTrainings   Permission = "trainings.manage" // a provider account: its own catalogue only
	ManageBudget      Permission = "budget.manage"
	DecideAid         Permission = "aid.decide"
	AnswerQuestions   Permission = "questions.answer"
	AddQuestions      Permission = "questions.add"
	ReadOutbox        Permission = "outbox.read"
	ManageUsers       Permission = "users.manage"
	ViewWorkshop      Permission = "workshop.view"
	UseStaffPages     Permission = "staff.pages"
)

// grants is the single table of who may do what.
var grants = map[Role][]Permission{
	Admin: {ManageSessions, ViewRegistrations, CheckIn, ViewStats, ManageOutreach, ManageContacts,
		SendInvitations, ManageTrainings, ManageBudget, DecideAid, AnswerQuestions, AddQuestions,
		ReadOutbox, ManageUsers, ViewWorkshop, UseStaffPages},
	Consultant: {ManageSessions, ViewRegistrations, CheckIn, ManageOutreach, AnswerQuestions,
		AddQuestions, ViewWorkshop, UseStaffPages},
	Partner:  {ManageContacts, SendInvitations, AddQuestions, UseStaffPages},
	Provider: {ManageTrainings, UseStaffPages},
	Commune:  {ViewStats, UseStaffPages},
}

// Can reports whether role r has permission p.
func (r Role) Can(p Permission) bool { return slices.Contains(grants[r], p) }

// Permissions returns what role r may do.
func (r Role) Permissions() []Permission { return slices.Clone(grants[r]) }

// User is a staff account.
type User struct {
	ID         int64
	Email      string
	Name       string
	Role       Role
	CommuneNIS string // set for the commune role
	ProviderID int64  // set for the provider role
	CreatedAt  time.Time
	DisabledAt time.Time
}

// Can reports whether the user may do p.
func (u User) Can(p Permission) bool { return u.DisabledAt.IsZero() && u.Role.Can(p) }

// Validate checks that an account's scope matches its role.
func (u User) Validate() error {
	var v apperr.Validation
	if _, err := ParseRole(string(u.Role)); err != nil {
		v.Add("role", "error.role.unknown", map[string]any{"Value": string(u.Role)})
	}
	if u.Role == Commune && u.CommuneNIS == "" {
		v.Add("commune", "error.role.commune_needed", nil)
	}
	if u.Role != Commune && u.CommuneNIS != "" {
		v.Add("commune", "error.role.commune_only", nil)
	}
	if u.Role == Provider && u.ProviderID == 0 {
		v.Add("provider", "error.role.provider_needed", nil)
	}
	if u.Role != Provider && u.ProviderID != 0 {
		v.Add("provider", "error.role.provider_only", nil)
	}
	return v.Err()
}

// Lifetimes of the secrets.
const (
	LoginLinkTTL = 24 * time.Hour
	SessionTTL   = 12 * time.Hour
)

// NewSecret returns a random secret with a readable prefix (vt_ for API
// tokens, for instance) and the hash to store. Only the hash is kept.
func NewSecret(prefix string) (plain, hash string) {
	b := make([]byte, 32)
	rand.Read(b)
	plain = prefix + base64.RawURLEncoding.EncodeToString(b)
	return plain, Hash(plain)
}

// Hash returns the stored form of a secret (SHA-256, hex). Secrets are 256
// random bits, so a fast hash is enough: nothing to brute-force.
func Hash(plain string) string {
	sum := sha256.Sum256([]byte(plain))
	return hex.EncodeToString(sum[:])
}

// Prefixes of the secrets, so a leaked one is recognisable.
const (
	TokenPrefix = "vt_"
	LinkPrefix  = "vl_"
)
