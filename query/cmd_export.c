/* SPDX-License-Identifier: Apache-2.0 */
/* flowq export: NetworkFlowDecision records in any format; see flowq export --help. */
#include "commands.h"

#include "cose_writer.h"
#include "decision.h"
#include "export_row.h"
#include "stream.h"

static int export_row(sqlite3_stmt *st, size_t db, void *ctx, struct fq_value *vals)
{
	struct fq_decision d;
	int rc = fq_export_row(st, db, ctx, &d);
	if (rc)
		return rc;
	fq_decision_values(&d, vals);
	return 0;
}

static const char *export_error(void *ctx)
{
	return ((struct fq_export_scratch *)ctx)->err;
}

int fq_cmd_export(const struct fq_cli *cli)
{
	struct fq_export_scratch scratch = {0};
	struct fq_cose_signer signer = {0};
	if (cli->format == FQ_FMT_COSE_SIGN1) {
		/* A bad key fails before any database is read. */
		char err[1024];
		int rc = fq_cose_signer_init(&signer, cli->key, cli->key_pass_file, cli->kid,
					     cli->output, err, sizeof(err));
		if (rc) {
			fq_error(cli, "%s", err);
			return fq_exit_code(rc, FA_EXIT_INTERNAL);
		}
	}
	const struct fq_stream_spec spec = {
		.kind = FQ_Q_EVENTS,
		.count_kind = FQ_Q_EVENTS_COUNT,
		.key_col = FQ_EV_OBSERVED_AT,
		.schema = &fq_decision_schema,
		.row = export_row,
		.row_error = export_error,
		.ctx = &scratch,
		.signer = &signer,
	};
	int rc = fq_stream_run(cli, &spec);
	fq_cose_signer_free(&signer);
	fq_export_scratch_free(&scratch);
	return rc;
}
