/*
 * API tests of offer customer approvals (sections/offer_customer_approval.md): GET
 * /offers/{id}/customer_approval (404 before the first activation), activate and deactivate
 * (POST and PUT), the keys and types of the answer, the public links without a key (the HTML
 * page: escaped, its security headers; the form: validation, signing once, the offer accepted
 * with its web hook event; document.pdf), deactivation and unknown tokens (404), permissions
 * (the sales area) and tenants.
 *
 * One server for the file (group fixture).
 */
#include "fixtures.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OFFERS "/api/v1/offers"
#define KEYS                                                                                       \
    "id,approval_url,offer_document_url,active,customer_full_name,customer_email,signature_url,"   \
    "signed_at,created_at,updated_at"
#define FORM "Content-Type: application/x-www-form-urlencoded"

static struct {
    mt_server *s;
    const char *key;
    json_int_t customer;
} g;

static int group_setup(void **state)
{
    (void)state;
    g.s = mt_start("--webhook-allow-private"); /* a hook on 127.0.0.1:9 */
    g.key = mt_admin_key(g.s);
    g.customer = fix_create_company_as(g.s, g.key, "customer", "Freigabe AG");
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    mt_stop(g.s);
    fix_free_strings();
    return 0;
}

static json_int_t create_offer(const char *title)
{
    json_t *body = json_pack("{s:I, s:s, s:s, s:s, s:s, s:f, s:s, s:[{s:s, s:s, s:f, s:f}]}",
                             "company_id", (json_int_t)g.customer, "recipient_address",
                             "Freigabe AG\nWeg 1", "date", "2026-11-30", "due_date", "2026-12-30",
                             "title", title, "tax", 19.0, "currency", "EUR", "items", "type",
                             "item", "title", "Konzeption", "quantity", 2.0, "unit_price", 500.0);
    mt_resp *r = mt_request_json(g.s, "POST", OFFERS, g.key, body, NULL);
    MT_ASSERT_STATUS(r, 200);
    json_int_t id = mt_json_int(r->json, "id");
    mt_resp_free(r);
    return id;
}

static const char *offer_text(json_int_t id, const char *path)
{
    mt_resp *r = mt_getf(g.s, g.key, OFFERS "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    const char *v = fix_fmt("%s", mt_json_str(r->json, path));
    mt_resp_free(r);
    return v;
}

static mt_resp *approval_action(const char *method, const char *key, json_int_t offer,
                                const char *what)
{
    return mt_request(g.s, method,
                      fix_fmt(OFFERS "/%lld/customer_approval/%s", (long long)offer, what), key,
                      NULL, NULL);
}

/* Activates the offer's approval and returns its approval_url (kept in the string pool). */
static const char *activate(json_int_t offer)
{
    mt_resp *r = approval_action("POST", g.key, offer, "activate");
    MT_ASSERT_STATUS(r, 200);
    const char *url = fix_fmt("%s", mt_json_str(r->json, "approval_url"));
    mt_resp_free(r);
    return url;
}

/* A request without a key to one of the public links (an absolute URL). */
static mt_resp *public_req(const char *method, const char *url, const char *form)
{
    const char *hdrs[] = {FORM, NULL};
    return mt_request(g.s, method, url, NULL, form, form ? hdrs : NULL);
}

static void assert_page_headers(const mt_resp *r)
{
    MT_ASSERT_HEADER(r, "Content-Type", "text/html; charset=utf-8");
    MT_ASSERT_HEADER(r, "Content-Security-Policy",
                     "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'");
    MT_ASSERT_HEADER(r, "X-Frame-Options", "DENY");
    MT_ASSERT_HEADER(r, "Cache-Control", "no-store");
    MT_ASSERT_HEADER(r, "X-Content-Type-Options", "nosniff");
}

static void assert_contains(const mt_resp *r, const char *what)
{
    if (!strstr(r->body, what))
        fail_msg("%s %s: the answer lacks \"%s\":\n%s", r->method, r->path, what, r->body);
}

static void assert_lacks(const mt_resp *r, const char *what)
{
    if (strstr(r->body, what))
        fail_msg("%s %s: the answer has \"%s\":\n%s", r->method, r->path, what, r->body);
}

/* The public link answers 404 (the same small HTML page for every reason). */
static void assert_gone(const char *method, const char *url)
{
    mt_resp *r = public_req(
        method, url,
        strcmp(method, "POST") ? NULL : "customer_full_name=A&customer_email=a%40b.test");
    MT_ASSERT_STATUS(r, 404);
    assert_page_headers(r);
    assert_contains(r, "Not found");
    mt_resp_free(r);
}

static void test_activate_and_get(void **state)
{
    (void)state;
    json_int_t id = create_offer("Offer - Relaunch");
    /* never activated: 404, and the offer shows none */
    mt_resp *r = mt_getf(g.s, g.key, OFFERS "/%lld/customer_approval", (long long)id);
    fix_assert_json_error(r, 404);
    mt_resp_free(r);
    r = approval_action("POST", g.key, id, "deactivate");
    fix_assert_json_error(r, 404);
    mt_resp_free(r);
    r = mt_getf(g.s, g.key, OFFERS "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_NULL(r->json, "customer_approval");
    mt_resp_free(r);

    r = approval_action("POST", g.key, id, "activate");
    MT_ASSERT_STATUS(r, 200);
    mt_assert_keys(r->json, KEYS);
    MT_ASSERT_JSON_TYPE(r->json, "id", JSON_INTEGER);
    json_int_t approval = mt_json_int(r->json, "id");
    const char *url = fix_fmt("%s", mt_json_str(r->json, "approval_url"));
    const char *prefix =
        fix_fmt("%s/offers/%lld/customer_approvals/", mt_base_url(g.s), (long long)id);
    assert_true(!strncmp(url, prefix, strlen(prefix)));
    const char *token = url + strlen(prefix);
    /* 32 random bytes, base64url */
    assert_int_equal(strlen(token), 43);
    assert_int_equal(
        strspn(token, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"), 43);
    MT_ASSERT_JSON_STR(r->json, "offer_document_url", fix_fmt("%s/document.pdf", url));
    MT_ASSERT_JSON_TYPE(r->json, "active", JSON_TRUE);
    MT_ASSERT_JSON_NULL(r->json, "customer_full_name");
    MT_ASSERT_JSON_NULL(r->json, "customer_email");
    MT_ASSERT_JSON_NULL(r->json, "signature_url");
    MT_ASSERT_JSON_NULL(r->json, "signed_at");
    MT_ASSERT_TIMESTAMP(r->json, "created_at");
    MT_ASSERT_TIMESTAMP(r->json, "updated_at");
    mt_resp_free(r);

    r = mt_getf(g.s, g.key, OFFERS "/%lld/customer_approval", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    mt_assert_keys(r->json, KEYS);
    MT_ASSERT_JSON_INT(r->json, "id", approval);
    MT_ASSERT_JSON_STR(r->json, "approval_url", url);
    mt_resp_free(r);

    /* activating again (PUT too) keeps the row and its token */
    r = approval_action("PUT", g.key, id, "activate");
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_INT(r->json, "id", approval);
    MT_ASSERT_JSON_STR(r->json, "approval_url", url);
    mt_resp_free(r);

    /* the offer shows it as MOCO does: {id, active, url} */
    r = mt_getf(g.s, g.key, OFFERS "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    mt_assert_keys(mt_json_get(r->json, "customer_approval"), "id,active,url");
    MT_ASSERT_JSON_INT(r->json, "customer_approval.id", approval);
    MT_ASSERT_JSON_TYPE(r->json, "customer_approval.active", JSON_TRUE);
    MT_ASSERT_JSON_STR(r->json, "customer_approval.url", url);
    mt_resp_free(r);

    /* another offer gets another token */
    json_int_t other = create_offer("Offer - Other");
    const char *other_url = activate(other);
    assert_string_not_equal(strrchr(other_url, '/'), strrchr(url, '/'));

    /* the link's host is the one the activation came to; the token stays */
    const char *host = fix_fmt("Host: localhost:%d", mt_port(g.s));
    const char *hdrs[] = {host, NULL};
    r = mt_request(g.s, "POST", fix_fmt(OFFERS "/%lld/customer_approval/activate", (long long)id),
                   g.key, NULL, hdrs);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "approval_url",
                       fix_fmt("http://localhost:%d/offers/%lld/customer_approvals/%s",
                               mt_port(g.s), (long long)id, token));
    mt_resp_free(r);
}

static void test_public_page_and_pdf(void **state)
{
    (void)state;
    json_int_t id = create_offer("Relaunch <script>alert('x')</script> & more");
    const char *identifier = offer_text(id, "identifier");
    const char *url = activate(id);
    mt_resp *r = public_req("GET", url, NULL);
    MT_ASSERT_STATUS(r, 200);
    assert_page_headers(r);
    assert_contains(r, "<!DOCTYPE html>");
    assert_contains(r, identifier);
    assert_contains(r, "Relaunch &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; more");
    assert_lacks(r, "<script");
    assert_contains(r, "2026-11-30");
    assert_contains(r, "1190.00 EUR"); /* 2 x 500, VAT 19 % */
    /* an absolute path: the link works below a trailing slash too */
    assert_contains(r, fix_fmt("href=\"%s/document.pdf\"", strstr(url, "/offers/")));
    assert_contains(r, "<form method=\"post\">");
    assert_contains(r, "name=\"customer_full_name\"");
    assert_contains(r, "name=\"customer_email\"");
    mt_resp_free(r);
    r = public_req("HEAD", url, NULL);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
    /* the offer's PDF, without a key */
    const char *want[] = {identifier, "Konzeption"};
    fix_assert_pdf(g.s, NULL, fix_fmt("%s/document.pdf", url), want, 2);
    /* an API key is not needed, and the API's routes still need one */
    r = mt_get(g.s, fix_fmt(OFFERS "/%lld/customer_approval", (long long)id), NULL);
    fix_assert_json_error(r, 401);
    mt_resp_free(r);
}

static void test_form_validation(void **state)
{
    (void)state;
    json_int_t id = create_offer("Offer - Form");
    const char *url = activate(id);
    static const struct {
        const char *form, *field;
    } bad[] = {
        {"customer_email=max%40muster.test", "customer_full_name"},
        {"customer_full_name=++&customer_email=max%40muster.test", "customer_full_name"},
        {"customer_full_name=Max+Muster", "customer_email"},
        {"customer_full_name=Max+Muster&customer_email=max.muster.test", "customer_email"},
        {"customer_full_name=Max%00&customer_email=max%40muster.test", "customer_full_name"},
        {"customer_full_name=Max%ZZ&customer_email=max%40muster.test", "customer_full_name"},
        {"customer_full_name=Max%C3&customer_email=max%40muster.test", "customer_full_name"},
        /* a surrogate, an overlong form, a code point above U+10FFFF */
        {"customer_full_name=A%ED%A0%80B&customer_email=max%40muster.test", "customer_full_name"},
        {"customer_full_name=A%E0%80%80B&customer_email=max%40muster.test", "customer_full_name"},
        {"customer_full_name=A%F4%90%80%80&customer_email=max%40muster.test",
         "customer_full_name"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        mt_resp *r = public_req("POST", url, bad[i].form);
        MT_ASSERT_STATUS(r, 422);
        assert_page_headers(r);
        assert_contains(r, fix_fmt("%s: ", bad[i].field));
        assert_contains(r, "<form method=\"post\">");
        mt_resp_free(r);
    }
    /* the limits: 200 bytes of name, 254 of email */
    char name[260], email[300];
    memset(name, 'a', 201);
    name[201] = '\0';
    mt_resp *r =
        public_req("POST", url, fix_fmt("customer_full_name=%s&customer_email=a%%40b.test", name));
    MT_ASSERT_STATUS(r, 422);
    assert_contains(r, "customer_full_name: is too long");
    mt_resp_free(r);
    memset(email, 'e', 251);
    memcpy(email + 251, "@b.test", 8); /* 258 bytes */
    r = public_req("POST", url, fix_fmt("customer_full_name=Max&customer_email=%s", email));
    MT_ASSERT_STATUS(r, 422);
    assert_contains(r, "customer_email: is too long");
    mt_resp_free(r);
    /* a value echoed back is escaped */
    r = public_req("POST", url, "customer_full_name=%3Cb%3EMax&customer_email=nope");
    MT_ASSERT_STATUS(r, 422);
    assert_contains(r, "value=\"&lt;b&gt;Max\"");
    assert_lacks(r, "<b>Max");
    mt_resp_free(r);
    /* only a form */
    const char *json_hdrs[] = {"Content-Type: application/json", NULL};
    r = mt_request(g.s, "POST", url, NULL,
                   "{\"customer_full_name\":\"Max\",\"customer_email\":\"max@muster.test\"}",
                   json_hdrs);
    MT_ASSERT_STATUS(r, 415);
    mt_resp_free(r);
    /* a body larger than a form can be is refused before it is read */
    size_t big = 20000;
    char *huge = malloc(big + 1);
    memset(huge, 'a', big);
    huge[big] = '\0';
    r = public_req("POST", url, huge);
    MT_ASSERT_STATUS(r, 413); /* from the headers (http.c), not after reading it */
    MT_ASSERT_JSON_STR(r->json, "message", "the request body is too large for this page");
    mt_resp_free(r);
    /* also when it comes in chunks, without a length */
    const char *chunked[] = {FORM, "Transfer-Encoding: chunked", NULL};
    r = mt_request(g.s, "POST", url, NULL, huge, chunked);
    free(huge);
    MT_ASSERT_STATUS(r, 413); /* while it comes in, not after */
    MT_ASSERT_JSON_STR(r->json, "message", "the request body is too large for this page");
    mt_resp_free(r);
    /* nothing was written */
    r = mt_getf(g.s, g.key, OFFERS "/%lld/customer_approval", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_NULL(r->json, "customer_full_name");
    MT_ASSERT_JSON_NULL(r->json, "customer_email");
    MT_ASSERT_JSON_NULL(r->json, "signed_at");
    mt_resp_free(r);
    assert_string_equal(offer_text(id, "status"), "created");
}

static void test_sign(void **state)
{
    (void)state;
    json_int_t hook = mt_create(g.s, "/api/v1/account/web_hooks", g.key,
                                "{\"target\":\"Offer\",\"event\":\"update\",\"hook\":"
                                "\"http://127.0.0.1:9/approvals\"}");
    json_int_t id = create_offer("Offer - Sign");
    const char *url = activate(id);
    mt_resp *r = mt_getf(g.s, g.key, "/api/v1/account/web_hooks/%lld/deliveries", (long long)hook);
    MT_ASSERT_STATUS(r, 200);
    size_t before = json_array_size(r->json);
    mt_resp_free(r);
    /* "Jürgen <Müller>" and an email with blanks around it */
    r = public_req("POST", url,
                   "customer_full_name=J%C3%BCrgen+%3CM%C3%BCller%3E&customer_email=+j%40m.test+");
    MT_ASSERT_STATUS(r, 200);
    assert_page_headers(r);
    assert_contains(r, "approved");
    assert_contains(r, "J\xC3\xBCrgen &lt;M\xC3\xBCller&gt;");
    assert_lacks(r, "<form");
    mt_resp_free(r);
    r = mt_getf(g.s, g.key, OFFERS "/%lld/customer_approval", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    mt_assert_keys(r->json, KEYS);
    MT_ASSERT_JSON_STR(r->json, "customer_full_name", "J\xC3\xBCrgen <M\xC3\xBCller>");
    MT_ASSERT_JSON_STR(r->json, "customer_email", "j@m.test");
    MT_ASSERT_TIMESTAMP(r->json, "signed_at");
    MT_ASSERT_JSON_NULL(r->json, "signature_url");
    MT_ASSERT_JSON_TYPE(r->json, "active", JSON_TRUE);
    const char *signed_at = fix_fmt("%s", mt_json_str(r->json, "signed_at"));
    mt_resp_free(r);
    assert_string_equal(offer_text(id, "status"), "accepted");
    /* the offer's update went to the hook */
    r = mt_getf(g.s, g.key, "/api/v1/account/web_hooks/%lld/deliveries", (long long)hook);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), before + 1);
    bool seen = false;
    for (size_t i = 0; i < json_array_size(r->json); i++) {
        json_t *d = json_array_get(r->json, i);
        seen = seen || (json_integer_value(json_object_get(d, "entity_id")) == id &&
                        !strcmp(json_string_value(json_object_get(d, "event")), "update"));
    }
    assert_true(seen);
    mt_resp_free(r);
    /* the page now says who approved it, without a form */
    r = public_req("GET", url, NULL);
    MT_ASSERT_STATUS(r, 200);
    assert_contains(r, "Approved");
    assert_contains(r, "j@m.test");
    assert_lacks(r, "<form");
    mt_resp_free(r);
    /* a second signature is refused and changes nothing */
    r = public_req("POST", url, "customer_full_name=Eve&customer_email=eve%40evil.test");
    MT_ASSERT_STATUS(r, 409);
    assert_page_headers(r);
    assert_contains(r, "already been approved");
    mt_resp_free(r);
    r = mt_getf(g.s, g.key, OFFERS "/%lld/customer_approval", (long long)id);
    MT_ASSERT_JSON_STR(r->json, "customer_full_name", "J\xC3\xBCrgen <M\xC3\xBCller>");
    MT_ASSERT_JSON_STR(r->json, "customer_email", "j@m.test");
    MT_ASSERT_JSON_STR(r->json, "signed_at", signed_at);
    mt_resp_free(r);
    /* a billed offer stays billed when it is approved late */
    json_int_t billed = create_offer("Offer - Billed");
    const char *billed_url = activate(billed);
    r = mt_requestf(g.s, "PUT", g.key, "{\"status\":\"billed\"}", OFFERS "/%lld/update_status",
                    (long long)billed);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
    r = public_req("POST", billed_url, "customer_full_name=Max&customer_email=max%40m.test");
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
    assert_string_equal(offer_text(billed, "status"), "billed");
}

/* Only an offer made or sent can be approved: an accepted or archived one is not activated. */
static void test_only_open_offers(void **state)
{
    (void)state;
    static const char *const states[] = {"accepted", "archived"};
    for (int i = 0; i < 2; i++) {
        json_int_t offer = create_offer("Closed");
        fix_expect_status(g.s, "PUT", g.key, fix_fmt("{\"status\":\"%s\"}", states[i]), 200,
                          OFFERS "/%lld/update_status", (long long)offer);
        mt_resp *r = approval_action("POST", g.key, offer, "activate");
        fix_assert_422(r, "status");
        mt_resp_free(r);
        fix_expect_error(g.s, "GET", g.key, NULL, 404, OFFERS "/%lld/customer_approval",
                         (long long)offer);
    }
}

static void test_deactivate_and_unknown_tokens(void **state)
{
    (void)state;
    json_int_t id = create_offer("Offer - Deactivate");
    const char *url = activate(id);
    const char *pdf = fix_fmt("%s/document.pdf", url);
    json_int_t other = create_offer("Offer - Neighbour");
    const char *other_url = activate(other);
    /* a random token, a token of another offer, a malformed one */
    const char *base =
        fix_fmt("%s/offers/%lld/customer_approvals/", mt_base_url(g.s), (long long)id);
    assert_gone("GET", fix_fmt("%sAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", base));
    assert_gone("GET", fix_fmt("%sAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/document.pdf", base));
    assert_gone("POST", fix_fmt("%sAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", base));
    assert_gone("GET", fix_fmt("%s%s", base, strrchr(other_url, '/') + 1));
    assert_gone("GET", fix_fmt("%sshort", base));
    assert_gone("GET", fix_fmt("%s%s", base, "%2E%2E"));

    mt_resp *r = approval_action("POST", g.key, id, "deactivate");
    MT_ASSERT_STATUS(r, 200);
    mt_assert_keys(r->json, KEYS);
    MT_ASSERT_JSON_TYPE(r->json, "active", JSON_FALSE);
    MT_ASSERT_JSON_STR(r->json, "approval_url", url);
    mt_resp_free(r);
    assert_gone("GET", url);
    assert_gone("POST", url);
    assert_gone("GET", pdf);
    r = mt_getf(g.s, g.key, OFFERS "/%lld/customer_approval", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_TYPE(r->json, "active", JSON_FALSE);
    MT_ASSERT_JSON_NULL(r->json, "signed_at");
    mt_resp_free(r);
    r = mt_getf(g.s, g.key, OFFERS "/%lld", (long long)id);
    MT_ASSERT_JSON_TYPE(r->json, "customer_approval.active", JSON_FALSE);
    mt_resp_free(r);
    /* deactivating with PUT, as the docs' curl does, twice: still inactive */
    r = approval_action("PUT", g.key, id, "deactivate");
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_TYPE(r->json, "active", JSON_FALSE);
    mt_resp_free(r);
    /* the neighbour's link still works */
    r = public_req("GET", other_url, NULL);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
    /* activating again enables the same link */
    assert_string_equal(activate(id), url);
    r = public_req("GET", url, NULL);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
}

static void test_permissions_and_tenants(void **state)
{
    (void)state;
    json_int_t id = create_offer("Offer - Rights");
    const char *url = activate(id);
    /* another account: its key sees nothing of it */
    const char *other = fix_other_key(g.s);
    mt_resp *r = mt_getf(g.s, other, OFFERS "/%lld/customer_approval", (long long)id);
    fix_assert_json_error(r, 404);
    mt_resp_free(r);
    static const char *const writes[] = {"activate", "deactivate"};
    for (int i = 0; i < 2; i++) {
        r = approval_action("POST", other, id, writes[i]);
        fix_assert_json_error(r, 404);
        mt_resp_free(r);
    }
    /* a user without the sales area */
    char *emp_key = NULL;
    fix_user_with_role(g.s, "Erika", "Employee", &emp_key);
    r = mt_getf(g.s, emp_key, OFFERS "/%lld/customer_approval", (long long)id);
    fix_assert_json_error(r, 403);
    mt_resp_free(r);
    for (int i = 0; i < 2; i++) {
        r = approval_action("POST", emp_key, id, writes[i]);
        fix_assert_json_error(r, 403);
        mt_resp_free(r);
        r = approval_action("PUT", emp_key, id, writes[i]);
        fix_assert_json_error(r, 403);
        mt_resp_free(r);
    }
    free(emp_key);
    /* the read-only account key reads, never writes */
    const char *read = fix_read_key(g.s);
    r = mt_getf(g.s, read, OFFERS "/%lld/customer_approval", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "approval_url", url);
    mt_resp_free(r);
    r = approval_action("POST", read, id, "deactivate");
    fix_assert_json_error(r, 403);
    mt_resp_free(r);
    /* none of that changed it */
    r = mt_getf(g.s, g.key, OFFERS "/%lld/customer_approval", (long long)id);
    MT_ASSERT_JSON_TYPE(r->json, "active", JSON_TRUE);
    mt_resp_free(r);
    /* an offer that is not there */
    r = mt_getf(g.s, g.key, OFFERS "/%lld/customer_approval", (long long)id + 100000);
    fix_assert_json_error(r, 404);
    mt_resp_free(r);
    r = approval_action("POST", g.key, id + 100000, "activate");
    fix_assert_json_error(r, 404);
    mt_resp_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_activate_and_get),
        cmocka_unit_test(test_public_page_and_pdf),
        cmocka_unit_test(test_form_validation),
        cmocka_unit_test(test_sign),
        cmocka_unit_test(test_only_open_offers),
        cmocka_unit_test(test_deactivate_and_unknown_tokens),
        cmocka_unit_test(test_permissions_and_tenants),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
