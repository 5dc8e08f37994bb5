package web

import (
	"net/http"

	"vitrine/internal/staff"
)

// routes lists every route of the program, in one place.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()

	// Operations.
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.Handle("GET /metrics", s.metrics.handler())
	mux.HandleFunc("GET /static/{hash}/{file...}", s.assets.serve)

	// Public pages.
	mux.Handle("GET /{$}", s.serve(s.home))
	mux.Handle("GET /communes", s.serve(s.communesPage))
	mux.Handle("GET /privacy", s.serve(s.privacyPage))
	mux.Handle("GET /accessibility", s.serve(s.accessibilityPage))
	mux.Handle("GET /sessions", s.serve(s.agendaPage))
	mux.Handle("GET /sessions/{id}", s.serve(s.sessionPage))
	mux.Handle("POST /sessions/{id}/register", s.serve(s.registerForm))
	mux.Handle("GET /registrations/{token}", s.serve(s.managePage))
	mux.Handle("POST /registrations/{token}/cancel", s.serve(s.cancelForm))
	mux.Handle("POST /registrations/{token}/erase", s.serve(s.eraseForm))
	mux.Handle("GET /registrations/{token}/calendar.ics", s.serve(s.calendarICS))
	mux.Handle("GET /registrations/{token}/qr.png", s.serve(s.qrPNG))

	// The diagnostic: the flow, screen by screen, then the result and the plan.
	mux.Handle("GET /diagnostic", s.serve(s.diagnosticStart))
	mux.Handle("POST /diagnostic", s.serve(s.diagnosticBegin))
	mux.Handle("GET /d/{code}", s.serve(s.workshopStart))
	mux.Handle("GET /diagnostic/{token}", s.serve(s.diagnosticResume))
	mux.Handle("GET /diagnostic/{token}/{step}", s.serve(s.diagnosticStep))
	mux.Handle("POST /diagnostic/{token}/{step}", s.serve(s.diagnosticSave))
	mux.Handle("GET /diagnostics/{token}", s.serve(s.resultPage))
	mux.Handle("GET /diagnostics/{token}/plan.pdf", s.serve(s.planPDF))
	mux.Handle("POST /diagnostics/{token}/email", s.serve(s.mailLink))
	mux.Handle("POST /diagnostics/{token}/retake", s.serve(s.retake))

	// Staff sign-in.
	mux.Handle("GET /sign-in", s.serve(s.signInForm))
	mux.Handle("POST /sign-in", s.serve(s.signInRequest))
	mux.Handle("GET /sign-in/{token}", s.serve(s.signInConfirm))
	mux.Handle("POST /sign-in/{token}", s.serve(s.signInUse))
	mux.Handle("POST /sign-out", s.serve(s.signOut))

	// Staff pages.
	mux.Handle("GET /staff", s.staffPage(staff.UseStaffPages, s.staffHome))
	mux.Handle("POST /staff/tokens", s.staffPage(staff.UseStaffPages, s.staffNewToken))
	mux.Handle("GET /staff/sessions", s.staffPage(staff.ViewRegistrations, s.staffSessionsPage))
	mux.Handle("GET /staff/sessions/new", s.staffPage(staff.ManageSessions, s.staffNewSession))
	mux.Handle("POST /staff/sessions", s.staffPage(staff.ManageSessions, s.staffSaveSession))
	mux.Handle("GET /staff/sessions/{id}/edit", s.staffPage(staff.ManageSessions, s.staffEditSession))
	mux.Handle("POST /staff/sessions/{id}", s.staffPage(staff.ManageSessions, s.staffSaveSession))
	mux.Handle("GET /staff/sessions/{id}/attendees", s.staffPage(staff.ViewRegistrations, s.staffAttendees))
	mux.Handle("GET /staff/sessions/{id}/attendees.csv", s.staffPage(staff.ViewRegistrations, s.staffAttendeesCSV))
	mux.Handle("POST /staff/registrations/{id}/check-in", s.staffPage(staff.CheckIn, s.staffCheckIn))
	mux.Handle("GET /staff/check-in/{code}", s.staffPage(staff.CheckIn, s.staffCheckInByCode))
	mux.Handle("GET /staff/outbox", s.staffPage(staff.ReadOutbox, s.staffOutbox))
	mux.Handle("GET /staff/outbox/{id}", s.staffPage(staff.ReadOutbox, s.staffOutboxMail))
	mux.Handle("GET /staff/workshop", s.staffPage(staff.ViewWorkshop, s.workshopList))
	mux.Handle("GET /staff/workshop/{id}", s.staffPage(staff.ViewWorkshop, s.workshopPage))
	mux.Handle("GET /staff/workshop/{id}/room", s.staffPage(staff.ViewWorkshop, s.workshopRoom))
	mux.Handle("GET /staff/workshop/{id}/qr.png", s.staffPage(staff.ViewWorkshop, s.workshopQR))

	// Outreach (issue 6): the communes pipeline, the address book, questions.
	mux.Handle("GET /communes/join", s.serve(s.communeJoinForm))
	mux.Handle("POST /communes/join", s.serve(s.communeJoinPost))
	mux.Handle("GET /sessions/{id}/questions", s.serve(s.sessionQuestionsPage))
	mux.Handle("POST /sessions/{id}/questions", s.serve(s.sessionQuestionPost))
	mux.Handle("GET /staff/outreach", s.staffPage(staff.ManageOutreach, s.outreachBoard))
	mux.Handle("GET /staff/outreach/due", s.staffPage(staff.ManageOutreach, s.outreachDue))
	mux.Handle("GET /staff/outreach/map", s.staffPage(staff.ManageOutreach, s.outreachMap))
	mux.Handle("GET /staff/outreach/{nis}", s.staffPage(staff.ManageOutreach, s.communeOutreachPage))
	mux.Handle("POST /staff/outreach/{nis}", s.staffPage(staff.ManageOutreach, s.communeOutreachChange))
	mux.Handle("POST /staff/outreach/{nis}/contacts", s.staffPage(staff.ManageOutreach, s.communeContactAdd))
	mux.Handle("POST /staff/outreach/{nis}/contacts/{id}/delete", s.staffPage(staff.ManageOutreach, s.communeContactRemove))
	mux.Handle("GET /staff/contacts", s.staffPage(staff.ManageContacts, s.contactsPage))
	mux.Handle("GET /staff/contacts.csv", s.staffPage(staff.ManageContacts, s.contactsExport))
	mux.Handle("POST /staff/contacts/import", s.staffPageLimit(staff.ManageContacts, s.cfg.MaxUploadSize, s.contactsImportPost))
	mux.Handle("GET /staff/contacts/imports/{id}", s.staffPage(staff.ManageContacts, s.contactImportPage))
	mux.Handle("POST /staff/contacts/{id}/opt-out", s.staffPage(staff.ManageContacts, s.contactOptOutPost))
	mux.Handle("POST /staff/contacts/{id}/erase", s.staffPage(staff.ManageContacts, s.contactErasePost))
	mux.Handle("GET /staff/questions", s.staffPage(staff.AddQuestions, s.staffQuestionsPage))
	mux.Handle("POST /staff/questions", s.staffPage(staff.AddQuestions, s.staffQuestionAdd))
	mux.Handle("POST /staff/questions/{id}/answer", s.staffPage(staff.AnswerQuestions, s.staffQuestionAnswer))
	mux.Handle("POST /api/v1/commune-requests", s.serve(s.apiCommuneRequest))
	mux.Handle("POST /api/v1/sessions/{id}/questions", s.serve(s.apiSessionQuestion))
	mux.Handle("GET /api/v1/outreach", s.staffAPI(staff.ManageOutreach, s.apiOutreachList))
	mux.Handle("GET /api/v1/communes/{nis}/outreach", s.staffAPI(staff.ManageOutreach, s.apiCommuneOutreach))
	mux.Handle("PATCH /api/v1/communes/{nis}/outreach", s.staffAPI(staff.ManageOutreach, s.apiCommuneOutreachPatch))
	mux.Handle("POST /api/v1/communes/{nis}/contacts", s.staffAPI(staff.ManageOutreach, s.apiCommuneContactAdd))
	mux.Handle("DELETE /api/v1/communes/{nis}/contacts/{id}", s.staffAPI(staff.ManageOutreach, s.apiCommuneContactRemove))
	mux.Handle("POST /api/v1/contacts/import", s.staffAPILimit(staff.ManageContacts, s.cfg.MaxUploadSize, s.apiContactsImport))
	mux.Handle("GET /api/v1/contacts/imports/{id}", s.staffAPI(staff.ManageContacts, s.apiContactImport))
	mux.Handle("GET /api/v1/contacts", s.staffAPI(staff.ManageContacts, s.apiContacts))
	mux.Handle("POST /api/v1/contacts/{id}/opt-out", s.staffAPI(staff.ManageContacts, s.apiContactOptOut))
	mux.Handle("DELETE /api/v1/contacts/{id}", s.staffAPI(staff.ManageContacts, s.apiContactErase))
	mux.Handle("GET /api/v1/questions", s.staffAPI(staff.AnswerQuestions, s.apiQuestions))
	mux.Handle("POST /api/v1/questions", s.staffAPI(staff.AddQuestions, s.apiQuestionAdd))
	mux.Handle("POST /api/v1/questions/{id}/answer", s.staffAPI(staff.AnswerQuestions, s.apiQuestionAnswer))

	// Public API.
	mux.Handle("GET /api/v1/communes", s.serve(s.apiCommunes))
	mux.Handle("GET /api/v1/sessions", s.serve(s.apiSessions))
	mux.Handle("GET /api/v1/sessions/{id}", s.serve(s.apiSession))
	mux.Handle("POST /api/v1/sessions/{id}/registrations", s.serve(s.apiRegister))
	mux.Handle("GET /api/v1/registrations/{token}", s.serve(s.apiGetRegistration))
	mux.Handle("DELETE /api/v1/registrations/{token}", s.serve(s.apiCancelRegistration))
	mux.Handle("GET /api/v1/diagnostic", s.serve(s.apiQuestionnaire))
	mux.Handle("POST /api/v1/diagnostics", s.serve(s.apiSubmit))
	mux.Handle("GET /api/v1/diagnostics/{token}", s.serve(s.apiDiagnostic))

	// Staff API.
	mux.Handle("GET /api/v1/me", s.staffAPI(staff.UseStaffPages, s.apiMe))
	mux.Handle("POST /api/v1/sessions", s.staffAPI(staff.ManageSessions, s.apiCreateSession))
	mux.Handle("PATCH /api/v1/sessions/{id}", s.staffAPI(staff.ManageSessions, s.apiPatchSession))
	mux.Handle("GET /api/v1/sessions/{id}/registrations", s.staffAPI(staff.ViewRegistrations, s.apiSessionRegistrations))
	mux.Handle("POST /api/v1/registrations/{id}/check-in", s.staffAPI(staff.CheckIn, s.apiCheckIn))
	mux.Handle("GET /api/v1/sessions/{id}/workshop", s.staffAPI(staff.ViewWorkshop, s.apiWorkshop))

	// Everything else.
	mux.Handle("/api/", s.serve(func(w http.ResponseWriter, r *http.Request) error { return errNotFound }))
	mux.Handle("/", s.serve(func(w http.ResponseWriter, r *http.Request) error { return errNotFound }))

	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.fail(w, r, errForbidden) }))

	var h http.Handler = recordRoute(mux)
	h = s.rateLimit(h)
	h = s.authenticate(h)
	h = s.webSessions(h)
	h = s.language(h)
	h = cop.Handler(h)
	h = s.securityHeaders(h)
	h = s.recoverer(h)
	h = s.observe(h)
	return h
}
