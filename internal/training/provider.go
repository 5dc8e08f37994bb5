// Package training is the domain of the training catalogue: providers, their
// sites, modules and dated sessions, enrolments, and the trainings file a
// provider imports. Standard library, apperr and the pure domain packages
// it builds on (funding for money and vouchers, skill, person, csvin) only.
package training

// ProviderKind says what kind of organisation gives a training.
type ProviderKind string

const (
	CompetenceCentre ProviderKind = "competence_centre" // public, labelled by the Region
	PrivateCompany   ProviderKind = "private_company"   // always labelled as private
	LocalTrainer     ProviderKind = "local_trainer"     // local development agency, public digital space…
)

// Private reports whether the provider is a private company (and must be
// labelled as such wherever it is shown).
func (k ProviderKind) Private() bool { return k == PrivateCompany }

// Provider is an organisation that gives trainings.
type Provider struct {
	ID          int64
	Slug        string
	Name        string
	Kind        ProviderKind
	Website     string
	Description string
	Sites       []Site
}

// Site is a place where a provider trains people.
type Site struct {
	ID         int64
	ProviderID int64
	Slug       string
	Name       string
	CommuneNIS string
	Address    string
	Latitude   float64
	Longitude  float64
}
