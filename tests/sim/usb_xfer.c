/*
 * libusb-1.0 drop-in: transfers of the virtual probes and event handling.
 *
 * Transfers, synchronous or not, go through one scheduler. A submitted
 * transfer waits in submission order; when the client waits (event handling,
 * a synchronous call, a sleep) the first transfer that can proceed does:
 * an OUT always can, an IN once the probe has reply data. Each one occupies
 * the bus for its cost (timing model 1) from the moment the previous one
 * finished, so transfers in flight together add up while the client's gaps
 * between submissions cost nothing. A command's probe time is charged when
 * its OUT transfer arrives, so the IN with the reply completes after it. An
 * IN without data completes only by its timeout. Control requests
 * (descriptors) cost nothing: the timing model counts bulk transfers.
 */
#include "usb_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How long an unbounded wait with nothing left to happen may last. */
#define FOREVER_NS ((sim_ns)60 * 1000000000u)

typedef struct sim_xfer {
  struct sim_xfer *next;
  bool in_flight;
  bool cancel;
  sim_ns submitted;
  sim_ns started;                        /* on the bus */
  enum libusb_transfer_status outcome;   /* decided when it started */
} sim_xfer;

/* The private part precedes the public transfer, as in libusb itself. */
#define PRIV_SIZE ((sizeof(sim_xfer) + 15u) & ~(size_t)15u)

static struct libusb_transfer *pub_of(sim_xfer *x)
{
  return (struct libusb_transfer *)(void *)((char *)x + PRIV_SIZE);
}

static sim_xfer *priv_of(struct libusb_transfer *t)
{
  return (sim_xfer *)(void *)((char *)t - PRIV_SIZE);
}

int sim_usb_endpoint_slot(const sim_device *d, unsigned char endpoint)
{
  if (endpoint == d->kind->ep_out)
    return 0;
  if (endpoint == d->kind->ep_in)
    return 1;
  if (endpoint == d->kind->ep_trace)
    return 2;
  return -1;
}

static sim_device *device_of(struct libusb_transfer *t)
{
  return t->dev_handle->dev->sim;
}

/* ---------------------------------------------------------------------- */
/* Queues                                                                  */
/* ---------------------------------------------------------------------- */

static void append(sim_xfer **head, sim_xfer *x)
{
  x->next = NULL;
  while (*head)
    head = &(*head)->next;
  *head = x;
}

static bool unlink_from(sim_xfer **head, sim_xfer *x)
{
  for (; *head; head = &(*head)->next)
    if (*head == x) {
      *head = x->next;
      x->next = NULL;
      return true;
    }
  return false;
}

static void complete(sim_process *p, sim_xfer *x, enum libusb_transfer_status status, int actual)
{
  unlink_from(&p->in_flight, x);
  if (p->on_bus == x)
    p->on_bus = NULL;
  x->in_flight = false;
  struct libusb_transfer *t = pub_of(x);
  t->status = status;
  t->actual_length = actual;
  append(&p->done, x);
}

/* Run the callbacks of completed transfers (without the lock held). */
static void deliver(sim_process *p)
{
  for (;;) {
    sim_process_lock(p);
    sim_xfer *x = p->done;
    if (x)
      p->done = x->next;
    sim_process_unlock(p);
    if (!x)
      return;
    x->next = NULL;
    struct libusb_transfer *t = pub_of(x);
    uint8_t flags = t->flags;
    if (t->callback)
      t->callback(t);
    if (flags & LIBUSB_TRANSFER_FREE_TRANSFER)
      libusb_free_transfer(t);
  }
}

/* ---------------------------------------------------------------------- */
/* Control requests (descriptors and standard requests, no cost)           */
/* ---------------------------------------------------------------------- */

static int control_request(sim_device *d, uint8_t request_type, uint8_t request, uint16_t value,
                           uint16_t index, unsigned char *data, uint16_t length)
{
  if (d->disconnected)
    return LIBUSB_ERROR_NO_DEVICE;
  bool in = request_type & LIBUSB_ENDPOINT_IN;
  uint8_t kind = request_type & (0x03 << 5);
  if (kind != LIBUSB_REQUEST_TYPE_STANDARD)
    return LIBUSB_ERROR_PIPE; /* the probe has no class or vendor control requests */
  switch (request) {
  case LIBUSB_REQUEST_GET_DESCRIPTOR:
    if (!in)
      return LIBUSB_ERROR_PIPE;
    return sim_usb_raw_descriptor(d, (uint8_t)(value >> 8), (uint8_t)value, data, length);
  case LIBUSB_REQUEST_GET_STATUS:
    if (!in || length < 2)
      return LIBUSB_ERROR_PIPE;
    data[0] = data[1] = 0;
    return 2;
  case LIBUSB_REQUEST_GET_CONFIGURATION:
    if (!in || length < 1)
      return LIBUSB_ERROR_PIPE;
    data[0] = 1;
    return 1;
  case LIBUSB_REQUEST_SET_CONFIGURATION:
    return value <= 1 ? 0 : LIBUSB_ERROR_PIPE;
  case LIBUSB_REQUEST_SET_INTERFACE:
    return index == 0 && value == 0 ? 0 : LIBUSB_ERROR_PIPE;
  case LIBUSB_REQUEST_CLEAR_FEATURE: {
    int slot = sim_usb_endpoint_slot(d, (unsigned char)index);
    if ((request_type & 0x1F) != LIBUSB_RECIPIENT_ENDPOINT || value != 0 || slot < 0)
      return LIBUSB_ERROR_PIPE;
    d->halted[slot] = false;
    return 0;
  }
  default:
    return LIBUSB_ERROR_PIPE;
  }
}

static void run_control(sim_process *p, sim_xfer *x)
{
  struct libusb_transfer *t = pub_of(x);
  struct libusb_control_setup *setup = libusb_control_transfer_get_setup(t);
  uint16_t length = libusb_le16_to_cpu(setup->wLength);
  if ((size_t)t->length < LIBUSB_CONTROL_SETUP_SIZE + length) {
    complete(p, x, LIBUSB_TRANSFER_ERROR, 0);
    return;
  }
  int r = control_request(device_of(t), setup->bmRequestType, setup->bRequest,
                          libusb_le16_to_cpu(setup->wValue), libusb_le16_to_cpu(setup->wIndex),
                          libusb_control_transfer_get_data(t), length);
  if (r >= 0)
    complete(p, x, LIBUSB_TRANSFER_COMPLETED, r + LIBUSB_CONTROL_SETUP_SIZE);
  else if (r == LIBUSB_ERROR_NO_DEVICE)
    complete(p, x, LIBUSB_TRANSFER_NO_DEVICE, 0);
  else
    complete(p, x, LIBUSB_TRANSFER_STALL, 0);
}

/* ---------------------------------------------------------------------- */
/* Bulk transfers on the virtual bus                                       */
/* ---------------------------------------------------------------------- */

#define NEVER ((sim_ns)-1)

static sim_ns later(sim_ns a, sim_ns b)
{
  return a > b ? a : b;
}

static void count_transfer(sim_process *p, size_t bytes, bool in)
{
  p->clock.report.usb_transfers++;
  if (in)
    p->clock.report.usb_bytes_in += bytes;
  else
    p->clock.report.usb_bytes_out += bytes;
}

static sim_ns usb_cost(const sim_device *d, size_t bytes)
{
  return d->kind->usb_fixed_ns + bytes * d->kind->usb_byte_ns;
}

static void advance_to(sim_process *p, sim_ns t)
{
  if (p->clock.now < t) {
    p->clock.now = t;
    sim_process_sync_targets(p);
  }
}

static sim_ns timeout_ns(const struct libusb_transfer *t)
{
  return (sim_ns)t->timeout * 1000000u;
}

/* The usb-* fault due at this transfer, if any. */
static const sim_fault *usb_fault_now(const sim_process *p)
{
  for (int i = 0; i < p->config.fault_count; i++) {
    const sim_fault *f = &p->config.faults[i];
    if (sim_fault_is_usb(f->kind) && f->kind != SIM_FAULT_USB_ACCESS &&
        f->at == p->usb_transfer_count)
      return f;
  }
  return NULL;
}

static bool is_in(const struct libusb_transfer *t)
{
  return t->endpoint & LIBUSB_ENDPOINT_IN;
}

/* Whether the host is reading the probe's replies: an IN transfer waits. */
static bool host_reading(const sim_process *p, const sim_device *d)
{
  for (sim_xfer *x = p->in_flight; x; x = x->next) {
    struct libusb_transfer *t = pub_of(x);
    if (!x->cancel && t->type != LIBUSB_TRANSFER_TYPE_CONTROL && device_of(t) == d &&
        sim_usb_endpoint_slot(d, t->endpoint) == 1)
      return true;
  }
  return false;
}

/*
 * When a transfer could start on a bus free at `t0`: then, later (an IN
 * whose reply the probe is still making), or NEVER (an OUT the probe's
 * full endpoint buffer NAKs, an IN with nothing coming).
 */
static sim_ns can_start_at(const sim_xfer *x, sim_ns t0)
{
  struct libusb_transfer *t = pub_of((sim_xfer *)x);
  sim_device *d = device_of(t);
  int slot = sim_usb_endpoint_slot(d, t->endpoint);
  if (d->disconnected || slot < 0 || d->halted[slot])
    return t0;
  if (!is_in(t))
    return d->inbox_count == SIM_PROBE_OUT_BUFFERS ? NEVER : t0;
  if (slot != 1 || sim_stlink_reply_pending(d->firmware) == 0)
    return NEVER;
  return later(t0, sim_stlink_reply_ready(d->firmware));
}

/* Put a transfer on the bus at the current time; its effect comes when it ends. */
static void start_bulk(sim_process *p, sim_xfer *x)
{
  struct libusb_transfer *t = pub_of(x);
  sim_device *d = device_of(t);
  int slot = sim_usb_endpoint_slot(d, t->endpoint);
  sim_ns now = p->clock.now;
  x->started = now;
  x->outcome = LIBUSB_TRANSFER_COMPLETED;
  if (d->disconnected) {
    complete(p, x, LIBUSB_TRANSFER_NO_DEVICE, 0);
    return;
  }
  if (slot < 0) {
    complete(p, x, LIBUSB_TRANSFER_ERROR, 0);
    return;
  }
  p->usb_transfer_count++;
  const sim_fault *fault = usb_fault_now(p);
  sim_fault_kind kind = fault ? fault->kind : SIM_FAULT_USB_STALL;
  if (fault && kind == SIM_FAULT_USB_DISCONNECT) {
    d->disconnected = true; /* for good: the probe has left the bus */
    complete(p, x, LIBUSB_TRANSFER_NO_DEVICE, 0);
    return;
  }
  sim_ns ends;
  if (d->halted[slot] || (fault && kind == SIM_FAULT_USB_STALL)) {
    d->halted[slot] = true;
    x->outcome = LIBUSB_TRANSFER_STALL;
    count_transfer(p, 0, is_in(t));
    ends = now + usb_cost(d, 0);
  } else if (fault && kind == SIM_FAULT_USB_TIMEOUT) {
    /* Nothing gets through; the host gives up after its timeout. */
    x->outcome = LIBUSB_TRANSFER_TIMED_OUT;
    p->clock.report.usb_transfers++;
    ends = later(now, x->submitted + (t->timeout ? timeout_ns(t) : FOREVER_NS));
  } else {
    size_t n = (size_t)t->length;
    if (is_in(t)) {
      size_t pending = sim_stlink_reply_pending(d->firmware);
      n = pending < n ? pending : n;
    }
    count_transfer(p, n, is_in(t));
    ends = now + usb_cost(d, n);
  }
  p->on_bus = x;
  p->bus_free = ends;
}

/* When the firmware can take its oldest endpoint buffer, NEVER if not by itself. */
static sim_ns probe_start_at(const sim_process *p, const sim_device *d)
{
  if (!d->inbox_count || d->disconnected)
    return NEVER;
  const struct sim_inbox *box = &d->inbox[0];
  if (sim_stlink_expects_command(d->firmware) && box->keeps_replies &&
      sim_stlink_replies_waiting(d->firmware) >= SIM_PROBE_REPLIES_HELD)
    return NEVER; /* until the host reads a reply */
  return later(p->clock.now, later(box->at, d->probe_free));
}

/*
 * The firmware runs the command (or data) in its oldest endpoint buffer,
 * from now to probe_free. The SWD engine moves the clock and the target
 * with it; the clock then returns to now, as the bus and the host carry on
 * meanwhile. The target, run ahead, is only reached through this probe,
 * which is busy until then.
 */
static void probe_start(sim_process *p, sim_device *d)
{
  sim_ns start = p->clock.now;
  struct sim_inbox box = d->inbox[0];
  /* The buffer goes to the back, its memory kept for reuse. */
  memmove(&d->inbox[0], &d->inbox[1], sizeof d->inbox[0] * (SIM_PROBE_OUT_BUFFERS - 1));
  d->inbox[SIM_PROBE_OUT_BUFFERS - 1] = box;
  d->inbox_count--;
  if (box.keeps_replies)
    sim_stlink_receive_next(d->firmware, box.data, box.len);
  else
    sim_stlink_receive(d->firmware, box.data, box.len);
  d->probe_free = p->clock.now;
  sim_trace_transfer(p, false, box.data, box.len, box.sent, box.at, d->probe_free - start,
                     d->probe_free);
  p->clock.now = start;
}

/* The transfer on the bus has ended (the clock is at its end). */
static void finish_bulk(sim_process *p)
{
  sim_xfer *x = p->on_bus;
  p->on_bus = NULL;
  struct libusb_transfer *t = pub_of(x);
  sim_device *d = device_of(t);
  int slot = sim_usb_endpoint_slot(d, t->endpoint);
  if (x->outcome != LIBUSB_TRANSFER_COMPLETED) {
    if (x->outcome == LIBUSB_TRANSFER_STALL && slot == 1)
      sim_stlink_drop_reply(d->firmware);
    complete(p, x, x->outcome, 0);
    return;
  }
  if (!is_in(t)) {
    /* Into the probe's endpoint buffer: the firmware takes it when it can. */
    size_t len = (size_t)t->length;
    struct sim_inbox *box = &d->inbox[d->inbox_count];
    if (len > box->cap) {
      uint8_t *grown = realloc(box->data, len);
      if (!grown) {
        complete(p, x, LIBUSB_TRANSFER_ERROR, 0);
        return;
      }
      box->data = grown;
      box->cap = len;
    }
    memcpy(box->data, t->buffer, len);
    box->len = len;
    box->at = p->clock.now;
    box->sent = x->started;
    /* A new command sent while the host reads nothing drops unread replies. */
    box->keeps_replies = host_reading(p, d);
    d->inbox_count++;
    if (probe_start_at(p, d) == p->clock.now)
      probe_start(p, d); /* an idle probe takes it at once */
    complete(p, x, LIBUSB_TRANSFER_COMPLETED, t->length);
    return;
  }
  bool overflow = false;
  size_t n = sim_stlink_take_reply(d->firmware, t->buffer, (size_t)t->length, &overflow);
  sim_trace_transfer(p, true, t->buffer, n, x->started, p->clock.now, 0, p->clock.now);
  enum libusb_transfer_status status = LIBUSB_TRANSFER_COMPLETED;
  if (overflow)
    status = LIBUSB_TRANSFER_OVERFLOW;
  else if ((t->flags & LIBUSB_TRANSFER_SHORT_NOT_OK) && n < (size_t)t->length)
    status = LIBUSB_TRANSFER_ERROR;
  complete(p, x, status, (int)n);
}

/* The in-flight transfer whose timeout expires first, NULL if none. */
static sim_xfer *first_timeout(sim_process *p, sim_ns *when)
{
  sim_xfer *best = NULL;
  for (sim_xfer *x = p->in_flight; x; x = x->next) {
    struct libusb_transfer *t = pub_of(x);
    if (t->timeout == 0 || x == p->on_bus)
      continue;
    sim_ns deadline = x->submitted + timeout_ns(t);
    if (!best || deadline < *when) {
      best = x;
      *when = deadline;
    }
  }
  return best;
}

/*
 * Make the next thing happen, in time order, if it happens by `limit`:
 * a cancelled or control transfer completes; the transfer on the bus ends;
 * a probe takes its endpoint buffer; a transfer starts on the free bus (the
 * first submitted that can); a timeout expires. Returns false if nothing
 * happened.
 */
static bool step(sim_process *p, sim_ns limit)
{
  for (sim_xfer *x = p->in_flight; x; x = x->next)
    if (x != p->on_bus && (x->cancel || pub_of(x)->type == LIBUSB_TRANSFER_TYPE_CONTROL)) {
      if (x->cancel)
        complete(p, x, LIBUSB_TRANSFER_CANCELLED, 0);
      else
        run_control(p, x);
      return true;
    }

  sim_ns now = p->clock.now;
  sim_ns when = NEVER;
  enum { NOTHING, BUS_END, PROBE, BUS_START, TIMEOUT } what = NOTHING;
  sim_device *probe = NULL;
  sim_xfer *next = NULL;
  if (p->on_bus) {
    when = later(now, p->bus_free);
    what = BUS_END;
  }
  for (int i = 0; i < p->device_count; i++) {
    sim_ns t = probe_start_at(p, &p->devices[i]);
    if (t < when) {
      when = t;
      what = PROBE;
      probe = &p->devices[i];
    }
  }
  if (!p->on_bus) {
    sim_ns t0 = later(now, p->bus_free);
    for (sim_xfer *x = p->in_flight; x; x = x->next) {
      sim_ns t = can_start_at(x, t0);
      if (t < when) {
        when = t;
        what = BUS_START;
        next = x;
      }
      if (t == t0)
        break; /* the first that can go now goes */
    }
  }
  sim_ns deadline = 0;
  sim_xfer *expired = first_timeout(p, &deadline);
  if (expired && later(now, deadline) < when) {
    when = later(now, deadline);
    what = TIMEOUT;
  }
  if (what == NOTHING || when > limit)
    return false;
  advance_to(p, when);
  switch (what) {
  case BUS_END:
    finish_bulk(p);
    break;
  case PROBE:
    probe_start(p, probe);
    break;
  case BUS_START:
    start_bulk(p, next);
    break;
  default:
    complete(p, expired, LIBUSB_TRANSFER_TIMED_OUT, 0);
    break;
  }
  return true;
}

void sim_usb_run_until(sim_process *p, sim_ns limit)
{
  while (step(p, limit))
    ;
}

/* Let the firmware take what it can by itself, without moving the clock. */
static void probe_take_now(sim_process *p, sim_device *d)
{
  sim_ns now = p->clock.now;
  for (sim_ns at; (at = probe_start_at(p, d)) != NEVER;) {
    p->clock.now = at;
    probe_start(p, d);
  }
  p->clock.now = now;
}

sim_ns sim_usb_settle(sim_process *p)
{
  sim_ns t = p->clock.now;
  for (int i = 0; i < p->device_count; i++) {
    probe_take_now(p, &p->devices[i]);
    t = later(t, p->devices[i].probe_free);
  }
  return t;
}

/*
 * Wait for events as libusb's event handling does: something completes, or
 * `wait_ns` passes (virtually) with nothing to do.
 */
static void handle_events(sim_process *p, sim_ns wait_ns, const int *completed)
{
  sim_process_lock(p);
  sim_ns deadline = p->clock.now + wait_ns;
  bool idle = false;
  while (!p->done && !(completed && *completed) && !idle)
    idle = !step(p, deadline);
  if (idle)
    sim_process_advance(p, deadline - p->clock.now);
  sim_process_unlock(p);
  deliver(p);
}

/* ---------------------------------------------------------------------- */
/* Transfers: the libusb API                                               */
/* ---------------------------------------------------------------------- */

struct libusb_transfer *LIBUSB_CALL libusb_alloc_transfer(int iso_packets)
{
  if (iso_packets < 0)
    return NULL;
  size_t size = PRIV_SIZE + sizeof(struct libusb_transfer) +
                (size_t)iso_packets * sizeof(struct libusb_iso_packet_descriptor);
  sim_xfer *x = calloc(1, size);
  if (!x)
    return NULL;
  struct libusb_transfer *t = pub_of(x);
  t->num_iso_packets = iso_packets;
  return t;
}

void LIBUSB_CALL libusb_free_transfer(struct libusb_transfer *transfer)
{
  if (!transfer)
    return;
  sim_xfer *x = priv_of(transfer);
  sim_process *p = sim_process_get();
  sim_process_lock(p);
  /* Freeing a transfer in flight is a client bug; forget it rather than crash. */
  unlink_from(&p->in_flight, x);
  unlink_from(&p->done, x);
  if (p->on_bus == x)
    p->on_bus = NULL;
  sim_process_unlock(p);
  if ((transfer->flags & LIBUSB_TRANSFER_FREE_BUFFER) && transfer->buffer)
    free(transfer->buffer);
  free(x);
}

int LIBUSB_CALL libusb_submit_transfer(struct libusb_transfer *transfer)
{
  if (!transfer || !transfer->dev_handle || transfer->length < 0)
    return LIBUSB_ERROR_INVALID_PARAM;
  sim_xfer *x = priv_of(transfer);
  sim_process *p = sim_process_get();
  int r = LIBUSB_SUCCESS;
  sim_process_lock(p);
  sim_device *d = device_of(transfer);
  if (x->in_flight)
    r = LIBUSB_ERROR_BUSY;
  else if (d->disconnected)
    r = LIBUSB_ERROR_NO_DEVICE;
  else if (transfer->type == LIBUSB_TRANSFER_TYPE_ISOCHRONOUS ||
           transfer->type == LIBUSB_TRANSFER_TYPE_BULK_STREAM)
    r = LIBUSB_ERROR_NOT_SUPPORTED;
  else if (transfer->type == LIBUSB_TRANSFER_TYPE_CONTROL)
    r = (size_t)transfer->length < LIBUSB_CONTROL_SETUP_SIZE ? LIBUSB_ERROR_INVALID_PARAM : 0;
  else if (sim_usb_endpoint_slot(d, transfer->endpoint) < 0)
    r = LIBUSB_ERROR_NOT_FOUND;
  if (r == LIBUSB_SUCCESS) {
    x->in_flight = true;
    x->cancel = false;
    x->submitted = p->clock.now;
    transfer->status = LIBUSB_TRANSFER_COMPLETED;
    transfer->actual_length = 0;
    append(&p->in_flight, x);
  }
  sim_process_unlock(p);
  return r;
}

int LIBUSB_CALL libusb_cancel_transfer(struct libusb_transfer *transfer)
{
  if (!transfer)
    return LIBUSB_ERROR_INVALID_PARAM;
  sim_xfer *x = priv_of(transfer);
  sim_process *p = sim_process_get();
  sim_process_lock(p);
  int r = LIBUSB_ERROR_NOT_FOUND;
  if (x->in_flight && !x->cancel) {
    x->cancel = true; /* completes as CANCELLED at the next event handling */
    r = LIBUSB_SUCCESS;
  }
  sim_process_unlock(p);
  return r;
}

void LIBUSB_CALL libusb_transfer_set_stream_id(struct libusb_transfer *transfer,
                                               uint32_t stream_id)
{
  (void)transfer;
  (void)stream_id;
}

uint32_t LIBUSB_CALL libusb_transfer_get_stream_id(struct libusb_transfer *transfer)
{
  (void)transfer;
  return 0;
}

static void LIBUSB_CALL sync_done(struct libusb_transfer *t)
{
  *(int *)t->user_data = 1;
}

static int status_to_error(enum libusb_transfer_status status)
{
  switch (status) {
  case LIBUSB_TRANSFER_COMPLETED:
    return LIBUSB_SUCCESS;
  case LIBUSB_TRANSFER_TIMED_OUT:
    return LIBUSB_ERROR_TIMEOUT;
  case LIBUSB_TRANSFER_STALL:
    return LIBUSB_ERROR_PIPE;
  case LIBUSB_TRANSFER_NO_DEVICE:
    return LIBUSB_ERROR_NO_DEVICE;
  case LIBUSB_TRANSFER_OVERFLOW:
    return LIBUSB_ERROR_OVERFLOW;
  case LIBUSB_TRANSFER_CANCELLED:
    return LIBUSB_ERROR_INTERRUPTED;
  default:
    return LIBUSB_ERROR_IO;
  }
}

/* Submit and wait, handling events (other transfers' callbacks run too). */
static int run_sync(struct libusb_transfer *t, int *done)
{
  int r = libusb_submit_transfer(t);
  if (r < 0)
    return r;
  sim_process *p = sim_process_get();
  sim_xfer *x = priv_of(t);
  while (!*done) {
    sim_process_lock(p);
    if (x->in_flight && !step(p, NEVER)) {
      /* Waiting forever for something that cannot come: give up. */
      advance_to(p, x->submitted + FOREVER_NS);
      complete(p, x, LIBUSB_TRANSFER_TIMED_OUT, 0);
    }
    sim_process_unlock(p);
    deliver(p);
  }
  return LIBUSB_SUCCESS;
}

static int sync_bulk(libusb_device_handle *h, unsigned char endpoint, unsigned char *data,
                     int length, int *transferred, unsigned int timeout, unsigned char type)
{
  if (!h)
    return LIBUSB_ERROR_INVALID_PARAM;
  struct libusb_transfer *t = libusb_alloc_transfer(0);
  if (!t)
    return LIBUSB_ERROR_NO_MEM;
  int done = 0;
  libusb_fill_bulk_transfer(t, h, endpoint, data, length, sync_done, &done, timeout);
  t->type = type;
  int r = run_sync(t, &done);
  if (r == LIBUSB_SUCCESS) {
    if (transferred)
      *transferred = t->actual_length;
    r = status_to_error(t->status);
  }
  libusb_free_transfer(t);
  return r;
}

int LIBUSB_CALL libusb_bulk_transfer(libusb_device_handle *dev_handle, unsigned char endpoint,
                                     unsigned char *data, int length, int *actual_length,
                                     unsigned int timeout)
{
  return sync_bulk(dev_handle, endpoint, data, length, actual_length, timeout,
                   LIBUSB_TRANSFER_TYPE_BULK);
}

int LIBUSB_CALL libusb_interrupt_transfer(libusb_device_handle *dev_handle,
                                          unsigned char endpoint, unsigned char *data,
                                          int length, int *actual_length, unsigned int timeout)
{
  return sync_bulk(dev_handle, endpoint, data, length, actual_length, timeout,
                   LIBUSB_TRANSFER_TYPE_INTERRUPT);
}

int LIBUSB_CALL libusb_control_transfer(libusb_device_handle *dev_handle, uint8_t request_type,
                                        uint8_t bRequest, uint16_t wValue, uint16_t wIndex,
                                        unsigned char *data, uint16_t wLength,
                                        unsigned int timeout)
{
  (void)timeout;
  if (!dev_handle || (wLength && !data))
    return LIBUSB_ERROR_INVALID_PARAM;
  sim_process *p = sim_process_get();
  sim_process_lock(p);
  int r = control_request(dev_handle->dev->sim, request_type, bRequest, wValue, wIndex, data,
                          wLength);
  sim_process_unlock(p);
  return r;
}

/* ---------------------------------------------------------------------- */
/* Event handling                                                          */
/* ---------------------------------------------------------------------- */

static sim_ns tv_ns(const struct timeval *tv)
{
  if (!tv)
    return FOREVER_NS;
  return (sim_ns)tv->tv_sec * 1000000000u + (sim_ns)tv->tv_usec * 1000u;
}

int LIBUSB_CALL libusb_handle_events_timeout_completed(libusb_context *ctx, struct timeval *tv,
                                                       int *completed)
{
  (void)ctx;
  handle_events(sim_process_get(), tv_ns(tv), completed);
  return LIBUSB_SUCCESS;
}

int LIBUSB_CALL libusb_handle_events_timeout(libusb_context *ctx, struct timeval *tv)
{
  return libusb_handle_events_timeout_completed(ctx, tv, NULL);
}

int LIBUSB_CALL libusb_handle_events(libusb_context *ctx)
{
  return libusb_handle_events_timeout_completed(ctx, NULL, NULL);
}

int LIBUSB_CALL libusb_handle_events_completed(libusb_context *ctx, int *completed)
{
  return libusb_handle_events_timeout_completed(ctx, NULL, completed);
}

int LIBUSB_CALL libusb_handle_events_locked(libusb_context *ctx, struct timeval *tv)
{
  return libusb_handle_events_timeout_completed(ctx, tv, NULL);
}

int LIBUSB_CALL libusb_wait_for_event(libusb_context *ctx, struct timeval *tv)
{
  libusb_handle_events_timeout_completed(ctx, tv, NULL);
  return 0;
}

/* Transfers still in flight on a handle being closed end as cancelled. */
void sim_usb_end_transfers(sim_process *p, libusb_device_handle *h)
{
  sim_process_lock(p);
  probe_take_now(p, h->dev->sim);
  for (sim_xfer *x = p->in_flight, *next; x; x = next) {
    next = x->next;
    if (pub_of(x)->dev_handle == h)
      complete(p, x, LIBUSB_TRANSFER_CANCELLED, 0);
  }
  sim_process_unlock(p);
  deliver(p);
}
