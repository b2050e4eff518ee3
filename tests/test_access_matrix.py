"""Every route × every role × own or foreign object → the expected status.

The table below must name every endpoint of app.url_map, so a new route
cannot be added without deciding who may use it; and every view must
declare its permission (@requires) or be marked @public.
"""
import pytest

from tests.conftest import csrf_token, login

ROLES = ("anonymous", "librarian_a", "trainer_p", "province_staff_p", "admin")
OK = "ok"  # allowed: any 2xx/3xx/422 answer that is not a redirect to the login page

# (endpoint, method, URL arguments as (world attribute for "own", for "foreign")) → statuses per role.
# A status pair is (own, foreign); a single value applies to both.
A, L, T, P, ADM = ROLES
MATRIX = {
    ("health.healthz", "GET", None): {A: 200, L: 200, T: 200, P: 200, ADM: 200},
    ("users.login", "GET", None): {A: 200, L: 303, T: 303, P: 303, ADM: 303},
    ("users.logout", "POST", None): {A: "login", L: "login", T: "login", P: "login", ADM: "login"},
    ("users.set_language", "POST", None): {A: OK, L: OK, T: OK, P: OK, ADM: OK},
    ("users.account", "GET", None): {A: "login", L: 200, T: 200, P: 200, ADM: 200},
    ("users.change_password", "GET", None): {A: "login", L: 200, T: 200, P: 200, ADM: 200},
    ("dashboard.home", "GET", None): {A: "login", L: 200, T: 200, P: 200, ADM: 200},
    # The province roll-up: province staff (and admins); a commune's page also for its librarian.
    ("dashboard.province_dashboard", "GET", None): {A: "login", L: 403, T: 403, P: 200, ADM: 200},
    ("dashboard.commune_page", "GET", ("commune_a", "commune_c")): {A: "login", L: (200, 403), T: 403, P: (200, 403), ADM: 200},
    ("dashboard.national", "GET", None): {A: "login", L: 403, T: 403, P: 403, ADM: 200},
    ("dashboard.trends", "GET", None): {A: "login", L: 403, T: 403, P: 200, ADM: 200},
    ("dashboard.export", "GET", None): {A: "login", L: 403, T: 403, P: 200, ADM: 200},
    ("dashboard.printable", "GET", None): {A: "login", L: 403, T: 403, P: 200, ADM: 200},
    ("users.user_list", "GET", None): {A: "login", L: 403, T: 403, P: 403, ADM: 200},
    ("users.user_create", "GET", None): {A: "login", L: 403, T: 403, P: 403, ADM: 200},
    ("users.user_edit", "GET", ("librarian_b", "librarian_c")): {A: "login", L: 403, T: 403, P: 403, ADM: 200},
    ("users.user_reset_password", "GET", ("librarian_b", "librarian_c")): {A: "login", L: 403, T: 403, P: 403, ADM: 200},
    ("users.user_deactivate", "POST", ("librarian_b", "librarian_c")): {A: "login", L: 403, T: 403, P: 403, ADM: OK},
    ("users.user_reactivate", "POST", ("librarian_b", "librarian_c")): {A: "login", L: 403, T: 403, P: 403, ADM: OK},
    ("users.throttle_list", "GET", None): {A: "login", L: 403, T: 403, P: 403, ADM: 200},
    ("users.throttle_lift", "POST", None): {A: "login", L: 403, T: 403, P: 403, ADM: OK},
    ("users.logout_others", "POST", None): {A: "login", L: OK, T: OK, P: OK, ADM: OK},
    ("units.point_list", "GET", None): {A: "login", L: 200, T: 403, P: 200, ADM: 200},
    ("units.point_create", "GET", None): {A: "login", L: 403, T: 403, P: 200, ADM: 200},
    ("units.point_detail", "GET", ("point_a", "point_c")): {A: "login", L: (200, 403), T: 403, P: (200, 403), ADM: 200},
    ("units.point_edit", "GET", ("point_a", "point_c")): {A: "login", L: 403, T: 403, P: (200, 403), ADM: 200},
    ("units.point_checklist", "GET", ("point_a", "point_c")): {A: "login", L: (200, 403), T: 403, P: (200, 403), ADM: 200},
    ("units.progress", "GET", None): {A: "login", L: 403, T: 403, P: 200, ADM: 200},
    # Commune reorganisations (mergers, pre-2025 names): administrators only.
    ("units.reorg_merge", "GET", None): {A: "login", L: 403, T: 403, P: 403, ADM: 200},
    ("units.reorg_merge", "POST", None): {A: "login", L: 403, T: 403, P: 403, ADM: OK},
    ("units.reorg_mapping", "POST", None): {A: "login", L: 403, T: 403, P: 403, ADM: OK},
    ("units.point_deactivate", "POST", ("point_a", "point_c")): {A: "login", L: 403, T: 403, P: (OK, 403), ADM: OK},
    ("units.point_reactivate", "POST", ("point_a", "point_c")): {A: "login", L: 403, T: 403, P: (OK, 403), ADM: OK},
    # Equipment: the librarian's own commune; province staff read their province.
    ("equipment.register", "GET", ("point_a", "point_c")): {A: "login", L: (200, 403), T: 403, P: (200, 403), ADM: 200},
    ("equipment.register_totals", "GET", ("point_a", "point_c")): {A: "login", L: (200, 403), T: 403, P: (200, 403), ADM: 200},
    ("equipment.stocktake", "GET", ("point_a", "point_c")): {A: "login", L: (200, 403), T: 403, P: (200, 403), ADM: 200},
    ("equipment.item_detail", "GET", ("item_a", "item_c")): {A: "login", L: (200, 403), T: 403, P: (200, 403), ADM: 200},
    ("equipment.item_row", "GET", ("item_a", "item_c")): {A: "login", L: (200, 403), T: 403, P: (200, 403), ADM: 200},
    ("equipment.export_point", "GET", ("point_a", "point_c")): {A: "login", L: (200, 403), T: 403, P: (200, 403), ADM: 200},
    ("equipment.export_commune", "GET", ("commune_a", "commune_c")): {A: "login", L: (200, 403), T: 403, P: (200, 403), ADM: 200},
    ("equipment.export_province", "GET", ("province_p", "province_q")): {A: "login", L: 403, T: 403, P: (200, 403), ADM: 200},
    ("equipment.item_create", "GET", ("point_a", "point_c")): {A: "login", L: (200, 403), T: 403, P: 403, ADM: 200},
    ("equipment.import_upload", "GET", ("point_a", "point_c")): {A: "login", L: (200, 403), T: 403, P: 403, ADM: 200},
    ("equipment.import_template", "GET", None): {A: "login", L: 200, T: 403, P: 403, ADM: 200},
    ("equipment.item_edit", "GET", ("item_a", "item_c")): {A: "login", L: (200, 403), T: 403, P: 403, ADM: 200},
    ("equipment.event_create", "POST", ("item_a", "item_c")): {A: "login", L: (OK, 403), T: 403, P: 403, ADM: OK},
    # Restoring from liquidation: province staff of the province (409 here: the item is not liquidated).
    ("equipment.item_restore", "POST", ("item_a", "item_c")): {A: "login", L: 403, T: 403, P: (409, 403), ADM: 409},
    # Liquidation by decision: the librarian proposes and withdraws (409: a post without the proposal's version);
    # province staff of the province decide (422: no decision chosen); the minutes only once approved (409).
    ("equipment.liquidations", "GET", ("point_a", "point_c")): {A: "login", L: (200, 403), T: 403, P: (200, 403), ADM: 200},
    ("equipment.liquidation_new", "GET", ("point_a", "point_c")): {A: "login", L: (200, 403), T: 403, P: 403, ADM: 200},
    ("equipment.liquidation_new", "POST", ("point_a", "point_c")): {A: "login", L: (OK, 403), T: 403, P: 403, ADM: OK},
    ("equipment.liquidation_detail", "GET", ("liquidation_a", "liquidation_c")): {A: "login", L: (200, 403), T: 403, P: (200, 403), ADM: 200},
    ("equipment.liquidation_decide", "POST", ("liquidation_a", "liquidation_c")): {A: "login", L: 403, T: 403, P: (OK, 403), ADM: OK},
    ("equipment.liquidation_minutes", "POST", ("liquidation_a", "liquidation_c")): {A: "login", L: (409, 403), T: 403, P: (409, 403), ADM: 409},
    ("equipment.liquidation_withdraw", "POST", ("liquidation_a", "liquidation_c")): {A: "login", L: (409, 403), T: 403, P: 403, ADM: 409},
    ("equipment.liquidation_queue", "GET", None): {A: "login", L: 403, T: 403, P: 200, ADM: 200},
    ("equipment.stocktake_start", "POST", ("point_a", "point_c")): {A: "login", L: (OK, 403), T: 403, P: 403, ADM: OK},
    ("equipment.stocktake_confirm", "POST", ("item_a", "item_c")): {A: "login", L: (OK, 403), T: 403, P: 403, ADM: OK},
    ("equipment.import_confirm", "POST", ("batch_a", "batch_c")): {A: "login", L: (OK, 403), T: 403, P: 403, ADM: OK},
    # Lots and stock-take findings: the librarian merges rows and records findings; province staff follow up.
    ("equipment.item_merge", "POST", ("item_a", "item_c")): {A: "login", L: (OK, 403), T: 403, P: 403, ADM: OK},
    ("equipment.stocktake_finding", "GET", ("item_a", "item_c")): {A: "login", L: (200, 403), T: 403, P: 403, ADM: 200},
    ("equipment.stocktake_finding", "POST", ("item_a", "item_c")): {A: "login", L: (OK, 403), T: 403, P: 403, ADM: OK},
    ("equipment.stocktake_differences", "GET", ("province_p", "province_q")): {A: "login", L: 403, T: 403, P: (200, 403), ADM: 200},
    # Deleting what was entered by mistake: an item by the commune's librarian or province staff; an event by
    # the librarian who recorded it (here librarian_a / librarian_c) or province staff.
    ("equipment.item_delete", "GET", ("item_a", "item_c")): {A: "login", L: (200, 403), T: 403, P: (200, 403), ADM: 200},
    ("equipment.item_delete", "POST", ("item_a", "item_c")): {A: "login", L: (OK, 403), T: 403, P: (OK, 403), ADM: OK},
    ("equipment.event_delete", "GET", ("event_a", "event_c")): {A: "login", L: (200, 403), T: 403, P: (200, 403), ADM: 200},
    ("equipment.event_delete", "POST", ("event_a", "event_c")): {A: "login", L: (OK, 403), T: 403, P: (OK, 403), ADM: OK},
    # Wear: province staff set their province's useful lives and read its end-of-life list; a point's list
    # for whoever reads its register.
    ("equipment.wear_settings", "GET", ("province_p", "province_q")): {A: "login", L: 403, T: 403, P: (200, 403), ADM: 200},
    # Posted without the lives it was shown with: a conflict, once access is granted.
    ("equipment.wear_settings", "POST", ("province_p", "province_q")): {A: "login", L: 403, T: 403, P: (409, 403), ADM: 409},
    ("equipment.end_of_life_point", "GET", ("point_a", "point_c")): {A: "login", L: (200, 403), T: 403, P: (200, 403), ADM: 200},
    ("equipment.end_of_life_point_xlsx", "GET", ("point_a", "point_c")): {A: "login", L: (200, 403), T: 403, P: (200, 403), ADM: 200},
    ("equipment.end_of_life_province", "GET", None): {A: "login", L: 403, T: 403, P: 200, ADM: 200},
    ("equipment.end_of_life_province_xlsx", "GET", None): {A: "login", L: 403, T: 403, P: 200, ADM: 200},
    # QR labels and the phone page they open: another commune's item is not found (404), not refused.
    ("equipment.labels", "GET", ("point_a", "point_c")): {A: "login", L: (200, 403), T: 403, P: (200, 403), ADM: 200},
    ("equipment.lookup", "GET", ("code_a", "code_c")): {A: "login", L: (200, 404), T: 403, P: (200, 404), ADM: 200},
    # Maintenance schedules: province staff set their province's intervals and follow the communes behind.
    ("equipment.maintenance_settings", "GET", ("province_p", "province_q")): {A: "login", L: 403, T: 403, P: (200, 403), ADM: 200},
    ("equipment.maintenance_settings", "POST", ("province_p", "province_q")): {A: "login", L: 403, T: 403, P: (OK, 403), ADM: OK},
    ("equipment.maintenance_overview", "GET", None): {A: "login", L: 403, T: 403, P: 200, ADM: 200},
    ("equipment.maintenance_commune", "GET", ("commune_a", "commune_c")): {A: "login", L: (200, 403), T: 403, P: (200, 403), ADM: 200},
    # Reader visits: the librarian counts their commune's; province staff read their province's; trainers nothing.
    ("visits.tally_start", "GET", None): {A: "login", L: OK, T: 403, P: 403, ADM: 200},
    ("visits.tally", "GET", ("point_a", "point_c")): {A: "login", L: (200, 403), T: 403, P: 403, ADM: 200},
    ("visits.tally_tap", "POST", ("point_a", "point_c")): {A: "login", L: (OK, 403), T: 403, P: 403, ADM: OK},
    ("visits.day_entry", "GET", ("point_a", "point_c")): {A: "login", L: (200, 403), T: 403, P: 403, ADM: 200},
    ("visits.month_entry", "GET", ("point_a", "point_c")): {A: "login", L: (200, 403), T: 403, P: 403, ADM: 200},
    ("visits.point_summary", "GET", ("point_a", "point_c")): {A: "login", L: (200, 403), T: 403, P: (200, 403), ADM: 200},
    ("visits.sheet", "GET", ("point_a", "point_c")): {A: "login", L: (200, 403), T: 403, P: (200, 403), ADM: 200},
    ("visits.commune_summary", "GET", ("commune_a", "commune_c")): {A: "login", L: (200, 403), T: 403, P: (200, 403), ADM: 200},
    ("visits.province_overview", "GET", None): {A: "login", L: 403, T: 403, P: 200, ADM: 200},
    ("visits.target_edit", "GET", ("province_p", "province_q")): {A: "login", L: 403, T: 403, P: (200, 403), ADM: 200},
    ("visits.import_template", "GET", None): {A: "login", L: 200, T: 403, P: 403, ADM: 200},
    ("visits.import_upload", "GET", ("point_a", "point_c")): {A: "login", L: (200, 403), T: 403, P: 403, ADM: 200},
    ("visits.import_confirm", "POST", ("vbatch_a", "vbatch_c")): {A: "login", L: (OK, 403), T: 403, P: 403, ADM: OK},
    # Unusual counts: province staff of the province follow them up; the librarian sees them on their pages only.
    ("visits.follow_up", "GET", ("province_p", "province_q")): {A: "login", L: 403, T: 403, P: (200, 403), ADM: 200},
    ("visits.flag_review", "POST", ("flag_a", "flag_c")): {A: "login", L: 403, T: 403, P: (OK, 403), ADM: OK},
    ("visits.export_point", "GET", ("point_a", "point_c")): {A: "login", L: (200, 403), T: 403, P: (200, 403), ADM: 200},
    ("visits.export_commune", "GET", ("commune_a", "commune_c")): {A: "login", L: (200, 403), T: 403, P: (200, 403), ADM: 200},
    # Period reports: the librarian submits; province staff of the province decide; trainers nothing.
    ("reports.commune_reports", "GET", ("commune_a", "commune_c")): {A: "login", L: (200, 403), T: 403, P: (200, 403), ADM: 200},
    ("reports.report_page", "GET", ("commune_a", "commune_c")): {A: "login", L: (200, 403), T: 403, P: (200, 403), ADM: 200},
    ("reports.submit", "POST", ("commune_a", "commune_c")): {A: "login", L: (OK, 403), T: 403, P: 403, ADM: OK},
    ("reports.approve", "POST", ("commune_a", "commune_c")): {A: "login", L: 403, T: 403, P: (OK, 403), ADM: OK},
    ("reports.return_report", "POST", ("commune_a", "commune_c")): {A: "login", L: 403, T: 403, P: (OK, 403), ADM: OK},
    ("reports.reopen", "POST", ("commune_a", "commune_c")): {A: "login", L: 403, T: 403, P: (OK, 403), ADM: OK},
    ("reports.completeness", "GET", None): {A: "login", L: 403, T: 403, P: 200, ADM: 200},
    ("reports.queue", "GET", None): {A: "login", L: 403, T: 403, P: 200, ADM: 200},
    ("reports.approve_selected", "POST", None): {A: "login", L: 403, T: 403, P: OK, ADM: OK},
    ("resources.resource_list", "GET", None): {A: "login", L: 200, T: 200, P: 200, ADM: 200},
    ("resources.resource_create", "GET", ("province_p", "province_q")): {A: "login", L: 403, T: 403, P: (200, 403), ADM: 200},
    ("resources.resource_edit", "GET", ("resource_p", "resource_q")): {A: "login", L: 403, T: 403, P: (200, 403), ADM: 200},
    ("resources.resource_remove", "POST", ("resource_p", "resource_q")): {A: "login", L: 403, T: 403, P: (OK, 403), ADM: OK},
    ("audit.events", "GET", None): {A: "login", L: 403, T: 403, P: 200, ADM: 200},
    ("audit.export", "GET", None): {A: "login", L: 403, T: 403, P: 200, ADM: 200},
    ("reports.set_deadline", "POST", ("province_p", "province_q")): {A: "login", L: 403, T: 403, P: (OK, 403), ADM: OK},
    ("reports.settings", "GET", ("province_p", "province_q")): {A: "login", L: 403, T: 403, P: (200, 403), ADM: 200},
    ("reports.settings", "POST", ("province_p", "province_q")): {A: "login", L: 403, T: 403, P: (409, 403), ADM: 409},
    # The equipment standard: province staff of the province set it; a point's gaps for whoever reads its register.
    ("standards.standard", "GET", ("province_p", "province_q")): {A: "login", L: 403, T: 403, P: (200, 403), ADM: 200},
    ("standards.standard_edit", "GET", ("province_p", "province_q")): {A: "login", L: 403, T: 403, P: (200, 403), ADM: 200},
    # Posted without the version the form carries: a conflict, once access is granted.
    ("standards.standard_edit", "POST", ("province_p", "province_q")): {A: "login", L: 403, T: 403, P: (409, 403), ADM: 409},
    ("standards.settings", "GET", ("province_p", "province_q")): {A: "login", L: 403, T: 403, P: (200, 403), ADM: 200},
    ("standards.settings", "POST", ("province_p", "province_q")): {A: "login", L: 403, T: 403, P: (409, 403), ADM: 409},
    ("standards.point_gaps", "GET", ("point_a", "point_c")): {A: "login", L: (200, 403), T: 403, P: (200, 403), ADM: 200},
    ("standards.progress", "GET", None): {A: "login", L: 403, T: 403, P: 200, ADM: 200},
    ("standards.purchases_export", "GET", None): {A: "login", L: 403, T: 403, P: 200, ADM: 200},
    ("standards.report", "GET", None): {A: "login", L: 403, T: 403, P: 200, ADM: 200},
    # DHIS2: province staff of the province (and admins) keep its mapping and export it. The upload posted
    # without a file is refused (422), the page's edit without its version is a conflict (409), and the file
    # of a province without a mapping cannot be made (409).
    ("dhis2.start", "GET", None): {A: "login", L: 403, T: 403, P: OK, ADM: OK},
    ("dhis2.mapping", "GET", ("province_p", "province_q")): {A: "login", L: 403, T: 403, P: (200, 403), ADM: 200},
    ("dhis2.mapping_template", "GET", ("province_p", "province_q")): {A: "login", L: 403, T: 403, P: (200, 403), ADM: 200},
    ("dhis2.mapping_upload", "POST", ("province_p", "province_q")): {A: "login", L: 403, T: 403, P: (422, 403), ADM: 422},
    ("dhis2.mapping_edit", "GET", ("province_p", "province_q")): {A: "login", L: 403, T: 403, P: (200, 403), ADM: 200},
    ("dhis2.mapping_edit", "POST", ("province_p", "province_q")): {A: "login", L: 403, T: 403, P: (409, 403), ADM: 409},
    ("dhis2.preview", "GET", ("province_p", "province_q")): {A: "login", L: 403, T: 403, P: (200, 403), ADM: 200},
    ("dhis2.export_file", "GET", ("province_p", "province_q")): {A: "login", L: 403, T: 403, P: (409, 403), ADM: 409},
    # Training: sessions in commune A run by trainer_p, in commune C (province Q) run by trainer_q.
    ("training.session_list", "GET", None): {A: "login", L: 200, T: 200, P: 200, ADM: 200},
    ("training.session_create", "GET", None): {A: "login", L: 403, T: 200, P: 403, ADM: 200},
    ("training.coverage", "GET", None): {A: "login", L: 403, T: 200, P: 200, ADM: 200},
    ("training.import_template", "GET", None): {A: "login", L: 403, T: 200, P: 200, ADM: 200},
    ("training.session_detail", "GET", ("session_a", "session_c")): {A: "login", L: (200, 403), T: (200, 403), P: (200, 403), ADM: 200},
    ("training.session_counts_view", "GET", ("session_a", "session_c")): {A: "login", L: (200, 403), T: (200, 403), P: (200, 403), ADM: 200},
    ("training.sign_in_sheet", "GET", ("session_a", "session_c")): {A: "login", L: (200, 403), T: (200, 403), P: (200, 403), ADM: 200},
    ("training.attendance_export", "GET", ("session_a", "session_c")): {A: "login", L: (200, 403), T: (200, 403), P: (200, 403), ADM: 200},
    ("training.session_edit", "GET", ("session_a", "session_c")): {A: "login", L: 403, T: (200, 403), P: (200, 403), ADM: 200},
    ("training.attendee_paste", "GET", ("session_a", "session_c")): {A: "login", L: 403, T: (200, 403), P: (200, 403), ADM: 200},
    ("training.import_upload", "GET", ("session_a", "session_c")): {A: "login", L: 403, T: (200, 403), P: (200, 403), ADM: 200},
    ("training.attendee_create", "POST", ("session_a", "session_c")): {A: "login", L: 403, T: (OK, 403), P: (OK, 403), ADM: OK},
    ("training.attendee_row", "GET", ("attendee_a", "attendee_c")): {A: "login", L: (200, 403), T: (200, 403), P: (200, 403), ADM: 200},
    ("training.attendee_edit", "GET", ("attendee_a", "attendee_c")): {A: "login", L: 403, T: (200, 403), P: (200, 403), ADM: 200},
    # Posted without its `present` value: a bad request, once access is granted.
    ("training.attendee_presence", "POST", ("attendee_a", "attendee_c")): {A: "login", L: 403, T: (400, 403), P: (400, 403), ADM: 400},
    ("training.attendee_delete", "GET", ("attendee_a", "attendee_c")): {A: "login", L: 403, T: (200, 403), P: (200, 403), ADM: 200},
    ("training.attendee_delete", "POST", ("attendee_a", "attendee_c")): {A: "login", L: 403, T: (OK, 403), P: (OK, 403), ADM: OK},
    # A session entered by mistake: its author (trainer_p created session_a) or province staff.
    ("training.session_delete", "GET", ("session_a", "session_c")): {A: "login", L: 403, T: (200, 403), P: (200, 403), ADM: 200},
    ("training.session_delete", "POST", ("session_a", "session_c")): {A: "login", L: 403, T: (OK, 403), P: (OK, 403), ADM: OK},
    # Only the uploader (here the session's trainer) confirms a batch.
    ("training.import_confirm", "POST", ("tbatch_a", "tbatch_c")): {A: "login", L: 403, T: (OK, 403), P: 403, ADM: OK},
    # The JSON API answers bearer tokens only: a login cookie (or none) gets 401, whatever the role
    # (tests/test_api.py covers tokens by role and province). Its OpenAPI document is public.
    ("api.openapi", "GET", None): {A: 200, L: 200, T: 200, P: 200, ADM: 200},
    ("api.provinces", "GET", None): {A: 401, L: 401, T: 401, P: 401, ADM: 401},
    ("api.province", "GET", ("province_p", "province_q")): {A: 401, L: 401, T: 401, P: 401, ADM: 401},
    ("api.province_figures", "GET", ("province_p", "province_q")): {A: 401, L: 401, T: 401, P: 401, ADM: 401},
    ("api.province_reports", "GET", ("province_p", "province_q")): {A: 401, L: 401, T: 401, P: 401, ADM: 401},
    ("api.communes", "GET", None): {A: 401, L: 401, T: 401, P: 401, ADM: 401},
    ("api.commune", "GET", ("commune_a", "commune_c")): {A: 401, L: 401, T: 401, P: 401, ADM: 401},
    ("api.commune_figures", "GET", ("commune_a", "commune_c")): {A: 401, L: 401, T: 401, P: 401, ADM: 401},
    ("api.points", "GET", None): {A: 401, L: 401, T: 401, P: 401, ADM: 401},
    ("api.point", "GET", ("point_a", "point_c")): {A: 401, L: 401, T: 401, P: 401, ADM: 401},
    ("api.point_figures", "GET", ("point_a", "point_c")): {A: 401, L: 401, T: 401, P: 401, ADM: 401},
    # API tokens: province staff manage their province's, administrators any.
    ("api_tokens.token_list", "GET", None): {A: "login", L: 403, T: 403, P: 200, ADM: 200},
    ("api_tokens.token_create", "POST", None): {A: "login", L: 403, T: 403, P: OK, ADM: OK},
    ("api_tokens.token_revoke", "POST", ("token_p", "token_q")): {A: "login", L: 403, T: 403, P: (OK, 403), ADM: OK},
}


def make_training_target(target, world):
    """A session in commune A (run by trainer_p) or C (run by trainer_q), an attendee of it, or a batch
    uploaded by its trainer."""
    from datetime import date

    from app.extensions import db
    from app.imports.models import ImportBatch
    from app.training.models import Attendance, TrainingSession

    place = target.split("_")[1]
    trainer_id = (world.trainer_p if place == "a" else world.trainer_q).id
    commune_id = getattr(world, f"commune_{place}").id
    session = TrainingSession(title="Tập huấn", topic="digital_library", organiser="Thư viện tỉnh",
                              start_date=date(2026, 5, 4), end_date=date(2026, 5, 4), commune_id=commune_id,
                              venue="Nhà văn hóa", created_by_id=trainer_id)
    db.session.add(session)
    db.session.flush()
    obj = session
    if target.startswith("attendee_"):
        obj = Attendance(session_id=session.id, full_name="Nguyễn Văn An", name_key="nguyen van an", gender="male",
                         commune_id=commune_id)
    elif target.startswith("tbatch_"):
        obj = ImportBatch(kind="attendance", session_id=session.id, user_id=trainer_id, rows="[]")
    db.session.add(obj)
    db.session.commit()
    return obj.id


def make_target(target, world):
    """Objects the world does not hold: an item or an event of one, an equipment or visits import batch,
    a shared resource, or a training target."""
    from app.equipment.models import EquipmentItem
    from app.extensions import db
    from app.imports.models import ImportBatch

    if target.split("_")[0] in ("session", "attendee", "tbatch"):
        return make_training_target(target, world)
    place = target.split("_")[1]
    if target.startswith("token_"):
        from app.api.models import ApiToken, digest, new_token

        public_id, secret = new_token()
        obj = ApiToken(name="Thống kê", public_id=public_id, secret_hash=digest(secret),
                       province_id=getattr(world, f"province_{place}").id,
                       created_by_id=getattr(world, f"province_staff_{place}").id)
        db.session.add(obj)
        db.session.commit()
        return obj.id
    if target.startswith("resource_"):
        from app.resources.models import Resource

        obj = Resource(province_id=getattr(world, f"province_{place}").id, title="Thư viện số", link="https://example.vn")
        db.session.add(obj)
        db.session.commit()
        return obj.id
    point_id = getattr(world, f"point_{place}").id
    if target.startswith("code_"):  # an item's label code, for /a/<asset code>
        db.session.add(EquipmentItem(point_id=point_id, category="computer", description="Máy tính",
                                     asset_code=f"QR-{place.upper()}"))
        db.session.commit()
        return f"QR-{place.upper()}"
    if target.startswith("item_"):
        obj = EquipmentItem(point_id=point_id, category="computer", description="Máy tính")
    elif target.startswith("event_"):
        from datetime import date

        from app.equipment.models import EquipmentEvent

        item = EquipmentItem(point_id=point_id, category="computer", description="Máy tính")
        obj = EquipmentEvent(item=item, kind="repair", occurred_on=date(2026, 5, 4), cost=450_000,
                             recorded_by_id=getattr(world, f"librarian_{place}").id)
    elif target.startswith("liquidation_"):
        from app.equipment.liquidation import LiquidationLine, LiquidationProposal

        item = EquipmentItem(point_id=point_id, category="computer", description="Máy tính hỏng")
        obj = LiquidationProposal(point_id=point_id, reason="Hỏng không sửa được",
                                  proposed_by_id=getattr(world, f"librarian_{place}").id,
                                  lines=[LiquidationLine(item=item, quantity=1)])
    elif target.startswith("flag_"):
        from datetime import date, timedelta

        from app.models_base import utcnow
        from app.visits.models import PlausibilityFlag

        day = date(2026, 5, 4) + timedelta(days=db.session.query(PlausibilityFlag).count())  # one per cell
        obj = PlausibilityFlag(point_id=point_id, day=day, service="reading", reader_group="children",
                               value=900, expected_low=0, expected_high=40, flagged_at=utcnow())
    else:
        obj = ImportBatch(kind="visits" if target.startswith("vbatch_") else "equipment", point_id=point_id,
                          user_id=getattr(world, f"librarian_{place}").id, rows="[]")
    db.session.add(obj)
    db.session.commit()
    return obj.id


def url_for_case(app, endpoint, target, world):
    from flask import url_for

    with app.test_request_context():
        extra = {"fmt": "csv"} if ".export_" in endpoint or endpoint == "dashboard.export" else {}
        if endpoint.startswith("reports.") and endpoint not in ("reports.commune_reports", "reports.queue",
                                                                               "reports.completeness"):
            extra = {"year": 2025, "month": 6}
        if target is None:
            return url_for(endpoint, **extra)
        key = getattr(world, target).id if hasattr(world, target) else make_target(target, world)
        if endpoint == "equipment.lookup":
            return url_for(endpoint, code=key)
        return url_for(endpoint, id=key, **extra)


def check(response, expected, case):
    status = response.status_code
    to_login = status in (302, 303) and response.headers.get("Location", "").startswith("/login")
    if expected == "login":
        assert to_login, case
    elif expected == OK:
        assert (200 <= status < 400 or status == 422) and not to_login, (case, status)
    else:
        assert status == expected, (case, status)


def test_matrix_names_every_route(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint != "static"}
    assert endpoints == {endpoint for endpoint, _, _ in MATRIX}


def test_every_view_declares_its_permission(app):
    undeclared = [
        name for name, view in app.view_functions.items()
        if name != "static" and not (getattr(view, "access_action", None) or getattr(view, "access_public", False))
    ]
    assert not undeclared, f"routes without @requires or @public: {undeclared}"


@pytest.mark.parametrize("case", list(MATRIX), ids=lambda c: c[0])
def test_route_access(app, world, case):
    endpoint, method, targets = case
    expectations = MATRIX[case]
    for role in ROLES:
        expected = expectations[role]
        own, foreign = expected if isinstance(expected, tuple) else (expected, expected)
        for which, want in (("own", own), ("foreign", foreign)) if targets else (("-", own),):
            client = app.test_client()
            if role != "anonymous":
                assert login(client, getattr(world, role).name).status_code == 303
            target = None if targets is None else targets[0 if which == "own" else 1]
            url = url_for_case(app, endpoint, target, world)
            if method == "GET":
                response = client.get(url)
            else:
                response = client.post(url, data={"csrf_token": csrf_token(client, "/login")})
            check(response, want, (endpoint, role, which))


def fingerprint(app):
    """Every row of every table: what a refused request must leave as it was."""
    from sqlalchemy import select

    from app.extensions import db

    with app.app_context():
        return {table.name: sorted(map(repr, db.session.execute(select(table)).all()))
                for table in db.metadata.sorted_tables}


POSTS = [case for case in MATRIX if case[1] == "POST" and case[0] not in ("users.logout", "users.set_language")]


@pytest.mark.parametrize("case", POSTS, ids=lambda c: c[0])
def test_refused_posts_change_nothing(app, world, case):
    """A POST refused for a foreign object (any role but admin), or sent
    without its CSRF token (even by an admin), leaves every table as it was."""
    endpoint, _method, targets = case
    attempts = [(role, "foreign", True) for role in ROLES[1:-1] if targets]
    attempts += [(role, "own", True) for role in ROLES[1:-1]
                 if (MATRIX[case][role][0] if isinstance(MATRIX[case][role], tuple) else MATRIX[case][role]) == 403]
    attempts.append(("admin", "own", False))  # allowed, but no CSRF token
    for role, which, with_token in attempts:
        client = app.test_client()
        assert login(client, getattr(world, role).name).status_code == 303
        target = None if targets is None else targets[0 if which == "own" else 1]
        url = url_for_case(app, endpoint, target, world)
        data = {"csrf_token": csrf_token(client, "/login")} if with_token else {}
        before = fingerprint(app)
        response = client.post(url, data=data)
        assert response.status_code in ((403, 404) if with_token else (400,)), (endpoint, role, which,
                                                                                 response.status_code)
        assert fingerprint(app) == before, (endpoint, role, which)


@pytest.mark.parametrize("case", [c for c in MATRIX if c[1] == "GET"], ids=lambda c: c[0])
def test_security_headers_on_every_page(app, world, case):
    endpoint, _method, targets = case
    client = app.test_client()
    assert login(client, world.admin.name).status_code == 303
    response = client.get(url_for_case(app, endpoint, targets[0] if targets else None, world))
    assert "default-src 'self'" in response.headers["Content-Security-Policy"], endpoint
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "HX-Request" in response.headers["Vary"]
    if response.mimetype == "text/html":
        assert response.headers["Cache-Control"] == "no-store"
