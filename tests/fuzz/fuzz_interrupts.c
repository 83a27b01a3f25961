/* fuzz_interrupts.c: libFuzzer target for interrupts_parse() with a small IRQ map (two
 * devices, an MSI list), and irq_classify() on every line of the input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "collect/cpu.h"
#include "model/intern.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size ? size : 1);
	struct snapshot s;
	struct irq_class c;
	struct irqmap m;
	size_t i = 0;
	int d;

	memcpy(buf, data, size);
	irqmap_init(&m);
	d = irqmap_add_dev(&m, "eth0", "0000:3b:00.0");
	irqmap_add_dev(&m, "eth1", "virtio2");
	irqmap_add_msi(&m, 51, d);
	irqmap_add_msi(&m, 38, 1);
	irqmap_add_msi(&m, 52, d);
	irqmap_sort(&m);
	snap_init(&s);
	snap_add_ns(&s, 1, "host", NS_HOST, 0);
	interrupts_parse(buf, size, &m, &s, 0);
	interrupts_parse(buf, size, &m, &s, 0); /* reuses the hit table */
	while (i < size) {
		const char *nl = memchr(buf + i, '\n', size - i);
		size_t n = nl ? (size_t)(nl - (buf + i)) : size - i;

		irq_classify(&m, (unsigned)n, buf + i, n, &c);
		i += n + 1;
	}
	snap_release(&s);
	irqmap_release(&m);
	free(buf);
	intern_free_all();
	return 0;
}
