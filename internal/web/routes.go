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

	// Trainings, enrolments and aid (public; private pages by token).
	mux.Handle("GET /trainings", s.serve(s.trainingsPage))
	mux.Handle("GET /trainings/{id}", s.serve(s.trainingPage))
	mux.Handle("GET /trainings/sessions/{id}/enrol", s.serve(s.enrolPage))
	mux.Handle("POST /trainings/sessions/{id}/enrol", s.serve(s.enrolSubmit))
	mux.Handle("GET /trainings/enrolments/{token}", s.serve(s.enrolmentPage))
	mux.Handle("POST /trainings/enrolments/{token}/cancel", s.serve(s.cancelEnrolmentForm))
	mux.Handle("GET /trainings/enrolments/{token}/calendar.ics", s.serve(s.calendar))
	mux.Handle("GET /trainings/enrolments/{token}/certificate.pdf", s.serve(s.certificate))
	mux.Handle("GET /aid", s.serve(s.aidFormPage))
	mux.Handle("POST /aid", s.serve(s.aidFormSubmit))
	mux.Handle("GET /aid/{token}", s.serve(s.aidStatusPage))

	// Staff sign-in.
	mux.Handle("GET /sign-in", s.serve(s.signInForm))
	mux.Handle("POST /sign-in", s.serve(s.signInRequest))
	mux.Handle("GET /sign-in/{token}", s.serve(s.signInConfirm))
	mux.Handle("POST /sign-in/{token}", s.serve(s.signInUse))
	mux.Handle("POST /sign-out", s.serve(s.signOut))

	// Staff pages.
	mux.Handle("GET /staff", s.staffPage(staff.UseStaffPages, s.staffHome))
	mux.Handle("POST /staff/tokens", s.staffPage(staff.UseStaffPages, s.staffNewToken))
	mux.Handle("GET /staff/trainings", s.staffPage(staff.ManageTrainings, s.staffTrainingsPage))
	mux.Handle("GET /staff/trainings/modules/new", s.staffPage(staff.ManageTrainings, s.newModulePage))
	mux.Handle("POST /staff/trainings/modules", s.staffPage(staff.ManageTrainings, s.createModuleForm))
	mux.Handle("GET /staff/trainings/modules/{id}", s.staffPage(staff.ManageTrainings, s.editModulePage))
	mux.Handle("POST /staff/trainings/modules/{id}", s.staffPage(staff.ManageTrainings, s.updateModuleForm))
	mux.Handle("POST /staff/trainings/modules/{id}/sessions", s.staffPage(staff.ManageTrainings, s.createSessionForm))
	mux.Handle("GET /staff/trainings/sessions/{id}", s.staffPage(staff.ManageTrainings, s.staffSessionPage))
	mux.Handle("POST /staff/trainings/sessions/{id}", s.staffPage(staff.ManageTrainings, s.staffSessionCapacity))
	mux.Handle("POST /staff/trainings/enrolments/{id}/attendance", s.staffPage(staff.ManageTrainings, s.staffAttendance))
	mux.Handle("GET /staff/budget", s.staffPage(staff.ManageBudget, s.budgetPage))
	mux.Handle("POST /staff/budget", s.staffPage(staff.ManageBudget, s.createBudgetLineForm))
	mux.Handle("GET /staff/budget/{id}", s.staffPage(staff.ManageBudget, s.budgetLinePage))
	mux.Handle("POST /staff/budget/{id}/commitments", s.staffPage(staff.ManageBudget, s.commitForm))
	mux.Handle("POST /staff/budget/{id}/release", s.staffPage(staff.ManageBudget, s.releaseForm))
	mux.Handle("GET /staff/aid", s.staffPage(staff.DecideAid, s.staffAidPage))
	mux.Handle("POST /staff/aid/{id}/{action}", s.staffPage(staff.DecideAid, s.staffAidDecide))
	mux.Handle("GET /staff/aid/table", s.staffPage(staff.DecideAid, s.aidTablePage))
	mux.Handle("POST /staff/aid/table", s.staffPage(staff.DecideAid, s.aidTableSubmit))

	// Public API.
	mux.Handle("GET /api/v1/communes", s.serve(s.apiCommunes))
	mux.Handle("GET /api/v1/trainings", s.serve(s.apiTrainings))
	mux.Handle("GET /api/v1/trainings/{id}", s.serve(s.apiTraining))
	mux.Handle("GET /api/v1/trainings/sessions/{id}/quote", s.serve(s.apiQuote))
	mux.Handle("POST /api/v1/trainings/sessions/{id}/enrolments", s.serve(s.apiEnrol))
	mux.Handle("GET /api/v1/trainings/enrolments/{token}", s.serve(s.apiGetEnrolment))
	mux.Handle("DELETE /api/v1/trainings/enrolments/{token}", s.serve(s.apiCancelEnrolment))
	mux.Handle("POST /api/v1/aid-applications", s.serve(s.apiApplyForAid))

	// Staff API.
	mux.Handle("GET /api/v1/me", s.staffAPI(staff.UseStaffPages, s.apiMe))
	mux.Handle("POST /api/v1/trainings/modules", s.staffAPI(staff.ManageTrainings, s.apiCreateModule))
	mux.Handle("PUT /api/v1/trainings/modules/{id}", s.staffAPI(staff.ManageTrainings, s.apiUpdateModule))
	mux.Handle("POST /api/v1/trainings/modules/{id}/sessions", s.staffAPI(staff.ManageTrainings, s.apiCreateSession))
	mux.Handle("PUT /api/v1/trainings/sessions/{id}", s.staffAPI(staff.ManageTrainings, s.apiUpdateSession))
	mux.Handle("GET /api/v1/trainings/sessions/{id}/enrolments", s.staffAPI(staff.ManageTrainings, s.apiSessionEnrolments))
	mux.Handle("POST /api/v1/trainings/enrolments/{id}/attendance", s.staffAPI(staff.ManageTrainings, s.apiAttendance))
	mux.Handle("GET /api/v1/budget-lines", s.staffAPI(staff.ManageBudget, s.apiBudgetLines))
	mux.Handle("POST /api/v1/budget-lines", s.staffAPI(staff.ManageBudget, s.apiCreateBudgetLine))
	mux.Handle("GET /api/v1/budget-lines/{id}/commitments", s.staffAPI(staff.ManageBudget, s.apiCommitments))
	mux.Handle("POST /api/v1/budget-lines/{id}/commitments", s.staffAPI(staff.ManageBudget, s.apiCommit))
	mux.Handle("POST /api/v1/budget-commitments/{id}/release", s.staffAPI(staff.ManageBudget, s.apiReleaseCommitment))
	mux.Handle("GET /api/v1/aid-applications", s.staffAPI(staff.DecideAid, s.apiAidApplications))
	mux.Handle("POST /api/v1/aid-applications/{id}/approve", s.staffAPI(staff.DecideAid, s.apiApproveAid))
	mux.Handle("POST /api/v1/aid-applications/{id}/refuse", s.staffAPI(staff.DecideAid, s.apiRefuseAid))
	mux.Handle("POST /api/v1/aid-applications/{id}/cancel", s.staffAPI(staff.DecideAid, s.apiCancelAid))
	mux.Handle("GET /api/v1/aid-table", s.staffAPI(staff.DecideAid, s.apiAidTable))
	mux.Handle("PUT /api/v1/aid-table", s.staffAPI(staff.DecideAid, s.apiSetAidTable))

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
