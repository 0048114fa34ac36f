#include <ctype.h>
#include <stdint.h>
#include <string.h>

#include "suggest.h"

size_t
suggest_distance(const char *a, const char *b)
{
	size_t row[SUGGEST_MAX_WORD + 1], i, j, la, lb, diag, up, best;

	la = strlen(a);
	lb = strlen(b);
	if (la > SUGGEST_MAX_WORD || lb > SUGGEST_MAX_WORD)
		return SIZE_MAX;
	/* One row of the table at a time. */
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		diag = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			up = row[j];
			best = diag + (tolower((unsigned char)a[i - 1]) !=
			    tolower((unsigned char)b[j - 1]));
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}
