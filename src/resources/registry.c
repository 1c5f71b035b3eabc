/* Every resource and custom route mocod serves. */
#include "resources/resources.h"

const struct resource *const all_resources[] = {
    &res_units,
    &res_user_roles,
    &res_users,
    &res_profile,
    &res_custom_properties,
    &res_tags,
    &res_web_hooks,
    &res_web_hook_deliveries,
    &res_mails,
    &res_companies,
    &res_contacts,
    &res_deal_categories,
    &res_deals,
    &res_project_groups,
    &res_projects,
    &res_project_tasks,
    &res_project_contracts,
    &res_task_templates,
    &res_catalog_services,
    &res_catalog_items,
    &res_comments,
    &res_activities,
    &res_schedules,
    &res_planning_entries,
    &res_presences,
    &res_holidays,
    &res_employments,
    &res_work_time_adjustments,
    &res_invoices,
    &res_invoice_items,
    &res_invoice_payments,
    &res_invoice_reminders,
    &res_invoice_attachments,
    &res_invoice_bookkeeping_exports,
    &res_offers,
    &res_offer_items,
    &res_offer_attachments,
    &res_vat_code_sales,
    &res_vat_code_purchases,
    &res_letter_papers,
    NULL,
};

const struct route_decl *const all_routes[] = {
    tagging_routes,
    hourly_rate_routes,
    NULL,
};

const struct registry mocod_registry = {all_resources, all_routes};
