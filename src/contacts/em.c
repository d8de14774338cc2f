/*
 * contacts/em: unsupervised Fellegi-Sunter weights.  Expectation-
 * maximisation over the counts of distinct agreement patterns (as fastLink
 * does), assuming attributes independent given match status.  A missing
 * value contributes nothing (m = u).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "contacts/contacts_internal.h"

/* Match probability of one pattern under m. */
double contacts_match_probability(const struct contacts_model *m,
				  const uint8_t lv[CONTACTS_NCOMP])
{
	double lm = log(m->prior), lu = log(1.0 - m->prior);
	for (int k = 0; k < CONTACTS_NCOMP; k++) {
		if (lv[k] == CL_MISSING)
			continue;
		lm += log(m->m[k][lv[k]]);
		lu += log(m->u[k][lv[k]]);
	}
	double d = lu - lm;
	if (d > 700)
		return 0.0;
	return 1.0 / (1.0 + exp(d));
}

/* Starting point: u from how often each level occurs among all candidate
 * pairs (mostly non-matches), m leaning to agreement. */
static void em_init(struct contacts_model *m, const uint32_t *pat, const uint64_t *cnt, size_t n)
{
	double freq[CONTACTS_NCOMP][4] = {{0}};
	for (size_t i = 0; i < n; i++) {
		uint8_t lv[CONTACTS_NCOMP];
		cx_pattern_unpack(pat[i], lv);
		for (int k = 0; k < CONTACTS_NCOMP; k++)
			freq[k][lv[k]] += (double)cnt[i];
	}
	for (int k = 0; k < CONTACTS_NCOMP; k++) {
		double tot = freq[k][1] + freq[k][2] + freq[k][3] + 3.0;
		for (int l = 1; l < 4; l++)
			m->u[k][l] = (freq[k][l] + 1.0) / tot;
		m->m[k][CL_SAME] = 0.9;
		m->m[k][CL_CLOSE] = 0.07;
		m->m[k][CL_DIFF] = 0.03;
		m->m[k][0] = m->u[k][0] = 1.0;
	}
	m->prior = 0.1;
}

int cx_em_train(struct contacts_model *m, const uint32_t *pat, const uint64_t *cnt, size_t n)
{
	em_init(m, pat, cnt, n);
	uint8_t(*lv)[CONTACTS_NCOMP] = cx_malloc((n ? n : 1) * sizeof(*lv));
	double *g = cx_malloc((n ? n : 1) * sizeof(double));
	for (size_t i = 0; i < n; i++)
		cx_pattern_unpack(pat[i], lv[i]);
	int it;
	for (it = 0; it < 500; it++) {
		double sm = 0, su = 0;
		for (size_t i = 0; i < n; i++) {
			g[i] = contacts_match_probability(m, lv[i]);
			sm += (double)cnt[i] * g[i];
			su += (double)cnt[i] * (1.0 - g[i]);
		}
		double am[CONTACTS_NCOMP][4] = {{0}}, au[CONTACTS_NCOMP][4] = {{0}};
		for (size_t i = 0; i < n; i++)
			for (int k = 0; k < CONTACTS_NCOMP; k++) {
				am[k][lv[i][k]] += (double)cnt[i] * g[i];
				au[k][lv[i][k]] += (double)cnt[i] * (1.0 - g[i]);
			}
		double delta = fabs(sm / (sm + su) - m->prior);
		m->prior = sm / (sm + su);
		if (m->prior < 1e-9)
			m->prior = 1e-9;
		if (m->prior > 1 - 1e-9)
			m->prior = 1 - 1e-9;
		for (int k = 0; k < CONTACTS_NCOMP; k++) {
			double tm = am[k][1] + am[k][2] + am[k][3] + 3e-6;
			double tu = au[k][1] + au[k][2] + au[k][3] + 3e-6;
			for (int l = 1; l < 4; l++) {
				double nm = (am[k][l] + 1e-6) / tm, nu = (au[k][l] + 1e-6) / tu;
				delta += fabs(nm - m->m[k][l]) + fabs(nu - m->u[k][l]);
				m->m[k][l] = nm;
				m->u[k][l] = nu;
			}
		}
		if (delta < 1e-7)
			break;
	}
	/* keep "match" the class that agrees more, whatever EM converged to */
	double agree = 0;
	for (int k = 0; k < CONTACTS_NCOMP; k++)
		agree += m->m[k][CL_SAME] - m->u[k][CL_SAME];
	if (agree < 0) {
		for (int k = 0; k < CONTACTS_NCOMP; k++)
			for (int l = 0; l < 4; l++) {
				double t = m->m[k][l];
				m->m[k][l] = m->u[k][l];
				m->u[k][l] = t;
			}
		m->prior = 1.0 - m->prior;
	}
	m->iterations = it;
	free(lv);
	free(g);
	return it;
}
