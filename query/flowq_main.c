/* SPDX-License-Identifier: Apache-2.0 */
/* flowq's entry point: picks the sub-command; everything else is in flowq_core. */
#include "commands.h"

int main(int argc, char **argv)
{
	return fq_main(argc, argv);
}
