/*
 * SWDSIM_TRACE: where the virtual time of a client goes, transfer by
 * transfer. Columns (times in microseconds of virtual time):
 *
 *   start  idle  dir  bytes  usb  probe  swd  busy  data
 *
 * start: when the transfer began; idle: time since the previous transfer
 * ended that the client spent elsewhere (sleeping, waiting); usb: the
 * transfer's USB cost; probe: firmware and SWD time of the command an OUT
 * transfer delivered (an OUT is written when the probe takes it, so lines
 * of overlapping transfers can come out of start order); swd: SWD transactions so far; busy: flash busy time so
 * far; data: the first 16 bytes in hex.
 */
#include "process.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

enum { TRACE_BYTES = 16 };

bool sim_trace_open(sim_process *p, char *err, size_t err_len)
{
  if (!p->config.trace_path[0] || p->trace)
    return true;
  p->trace = fopen(p->config.trace_path, "w");
  if (!p->trace) {
    snprintf(err, err_len, "SWDSIM_TRACE: %s: %s", p->config.trace_path, strerror(errno));
    return false;
  }
  fprintf(p->trace, "# start_us idle_us dir bytes usb_us probe_us swd_transactions flash_busy_us data\n");
  p->trace_last_end = p->clock.now;
  return true;
}

static double us(sim_ns ns)
{
  return (double)ns / 1000.0;
}

void sim_trace_transfer(sim_process *p, bool in, const uint8_t *bytes, size_t len, sim_ns start,
                        sim_ns usb_done, sim_ns probe_ns, sim_ns end)
{
  if (!p->trace)
    return;
  sim_ns idle = start > p->trace_last_end ? start - p->trace_last_end : 0;
  fprintf(p->trace, "%.3f %.3f %s %zu %.3f %.3f %" PRIu64 " %.3f ", us(start), us(idle),
          in ? "IN" : "OUT", len, us(usb_done - start), us(probe_ns),
          p->clock.report.swd_transactions, us(p->clock.report.flash_busy_ns));
  for (size_t i = 0; i < len && i < TRACE_BYTES; i++)
    fprintf(p->trace, "%02X", bytes[i]);
  fputc('\n', p->trace);
  p->trace_last_end = end > p->trace_last_end ? end : p->trace_last_end;
}

void sim_trace_close(sim_process *p)
{
  if (p->trace)
    fclose(p->trace);
  p->trace = NULL;
}
