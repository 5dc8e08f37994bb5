package maturity

// Message keys of what blocks the next level; the validation keys are next
// to Validate. Their texts, in the four languages, are in the translation
// catalogue (internal/i18n/source/diagnostic.tsv), with the arguments a
// Blocker or a field error carries as {{.name}} placeholders.
const (
	KeyBlockRequirement = "diagnostic.blocking.requirement" // heading before a ladder requirement: {{.level}}, {{.level_name}}
	KeyBlockIndex       = "diagnostic.blocking.index"       // {{.have}}, {{.need}}, {{.level}}, {{.level_name}}
	KeyBlockDimension   = "diagnostic.blocking.dimension"   // {{.dimension}}, {{.have}}, {{.need}}, {{.level}}, {{.level_name}}
	KeyBlockAnswers     = "diagnostic.blocking.answers"     // {{.count}} more answers needed
	KeyNotComparable    = "diagnostic.error.not_comparable" // two diagnostics share no question
)

// MessageKeys lists every message key the package uses.
func MessageKeys() []string {
	return []string{
		KeyUnknownQuestion, KeyEmptyAnswer, KeyUnknownOption, KeyOneOptionOnly,
		KeyDuplicateOption, KeyExclusiveOption, KeyNotComparable,
		KeyBlockRequirement, KeyBlockIndex, KeyBlockDimension, KeyBlockAnswers,
	}
}
