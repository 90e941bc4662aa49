/*
 * store_migrate.h: the storage layer's schema migrations: applying the schema migrations (sql/NNN_name.sql, compiled
 * into the program by build-aux/sql2c). Each runs in its own transaction
 * and is recorded in schema_migrations; running again applies only what is
 * missing; concurrent runs are serialised by an advisory lock.
 */
#ifndef STORE_MIGRATE_H
#define STORE_MIGRATE_H

#include <stddef.h>
#include <stdio.h>

#include <libpq-fe.h>

struct migration {
	int         version;
	const char *name;
	const char *sql;
};

extern const struct migration migrations[];
extern const size_t migrations_count;

/* Applies the missing migrations on conn, reporting each on out. Returns
 * 0, or -1 after printing the failing migration and the server's error on
 * err (that migration's transaction is rolled back). */
int store_migrate(PGconn *conn, FILE *out, FILE *err);

/* Prints each known migration and whether it is applied. 0 or -1. */
int store_migrations(PGconn *conn, FILE *out, FILE *err);

#endif /* STORE_MIGRATE_H */
