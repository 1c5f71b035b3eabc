/* `mocod demo`: the README's first command starts a server with sample data and prints its key. */
#include "mt.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(sa);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    close(fd);
    return ntohs(sa.sin_port);
}

struct body {
    char data[65536];
    size_t len;
};

static size_t collect(char *p, size_t size, size_t n, void *user)
{
    struct body *b = user;
    size_t take = size * n;
    if (take > sizeof(b->data) - 1 - b->len)
        take = sizeof(b->data) - 1 - b->len;
    memcpy(b->data + b->len, p, take);
    b->len += take;
    b->data[b->len] = '\0';
    return size * n;
}

/* GET path with the key; returns the status and the X-Total header's value (or -1). */
static long get_total(int port, const char *key, const char *path, long *total)
{
    char url[256], auth[128];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
    snprintf(auth, sizeof(auth), "Authorization: Token token=%s", key);
    struct body headers = {.len = 0};
    CURL *c = curl_easy_init();
    struct curl_slist *h = curl_slist_append(NULL, auth);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &headers);
    struct body ignored = {.len = 0};
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &ignored);
    long status = 0;
    if (curl_easy_perform(c) == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    const char *t = strstr(headers.data, "X-Total: ");
    *total = t ? strtol(t + 9, NULL, 10) : -1;
    return status;
}

static void test_demo_serves_sample_data(void **state)
{
    (void)state;
    const char *bin = getenv("MOCOD_BIN");
    assert_non_null(bin);
    /* a fresh database of the store under test (SQLite file or PostgreSQL database) */
    mt_server *store = mt_prepare();
    const char *db = mt_db_path(store);
    char **env = mt_env(store);
    char listen_at[64];
    int port = free_port();
    snprintf(listen_at, sizeof(listen_at), "127.0.0.1:%d", port);

    int out[2];
    assert_int_equal(pipe(out), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(out[1], STDOUT_FILENO);
        int null = open("/dev/null", O_WRONLY);
        dup2(null, STDERR_FILENO);
        close(out[0]);
        char *argv[] = {(char *)bin, "demo", "--db", (char *)db, "--listen", listen_at, NULL};
        execve(bin, argv, env);
        _exit(127);
    }
    mt_env_free(env);
    close(out[1]);
    FILE *f = fdopen(out[0], "r");
    char line[512], key[64] = "";
    bool has_url = false, has_curl = false;
    while (fgets(line, sizeof(line), f)) {
        if (strstr(line, "API:") && strstr(line, listen_at))
            has_url = true;
        if (sscanf(line, " API key: %63s", key) == 1)
            continue;
        if (strstr(line, "curl -H 'Authorization: Token token=")) {
            has_curl = true;
            break;
        }
    }
    assert_true(has_url);
    assert_true(has_curl);
    assert_int_equal(strlen(key), 32);

    long total = 0;
    assert_int_equal(get_total(port, key, "/api/v1/users", &total), 200);
    assert_int_equal(total, 6);
    assert_int_equal(get_total(port, key, "/api/v1/companies", &total), 200);
    assert_int_equal(total, 2);
    assert_int_equal(get_total(port, key, "/api/v1/projects", &total), 200);
    assert_int_equal(total, 1);
    assert_int_equal(get_total(port, key, "/api/v1/projects/1/tasks", &total), 200);
    assert_int_equal(total, 3);

    kill(pid, SIGTERM);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    fclose(f);
    mt_stop(store);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_demo_serves_sample_data),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
