/* Every resource and custom route mocod serves. Order matters only for DDL: none. */
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
    &res_companies,
    &res_contacts,
    &res_deal_categories,
    &res_deals,
    &res_project_groups,
    &res_projects,
    &res_project_tasks,
    &res_project_contracts,
    NULL,
};

const struct route_decl *const all_routes[] = {
    session_routes,
    tagging_routes,
    NULL,
};
