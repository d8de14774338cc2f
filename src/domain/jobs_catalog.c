/* Catalog entries of the jobs tables (migration 006). */
#include "core/module.h"
#include "domain/mail_catalog.h"

#define NP(table, col, why)                                                                        \
	{                                                                                          \
		table, col, false, false, NULL, NULL, NULL, NULL, NULL, 0, ERASE_NOT_PERSONAL,     \
		    EXPORT_NONE, why                                                               \
	}

const struct catalog_column jobs_catalog[] = {
    NP("jobs", "id", "random UUIDv4 of the job"),
    NP("jobs", "kind", "name of the duty"),
    NP("jobs", "tenant_id", "tenant the duty concerns"),
    {"jobs", "arg", true, false, "dpv-pd:Identifier", "end user",
     "carrying out retention and deletion duties", "GDPR Art. 6(1)(c) legal obligation",
     "until the job has run", 0, ERASE_DELETE, EXPORT_NONE, NULL},
    NP("jobs", "dedupe_key", "idempotence key built from kind and ids"),
    NP("jobs", "due_at", "schedule"),
    NP("jobs", "status", "state of the job"),
    NP("jobs", "attempts", "retry count"),
    NP("jobs", "created_at", "schedule time"),
    NP("job_runs", "job_id", "which job ran"),
    NP("job_runs", "kind", "name of the duty"),
    NP("job_runs", "tenant_id", "tenant the duty concerns"),
    NP("job_runs", "started_at", "run time"),
    NP("job_runs", "finished_at", "run time"),
    NP("job_runs", "ok", "outcome"),
    NP("job_runs", "summary", "content-free outcome text (counts)"),
    {0},
};

const struct catalog_table jobs_catalog_tables[] = {
    {"jobs", "arg", "tenant_id", NULL, NULL},
    {0},
};

const struct module jobs_module = {
    .name = "jobs",
    .columns = jobs_catalog,
    .tables = jobs_catalog_tables,
};
