/*
 * notify.h - tell systemd how the service is doing (sd_notify(3)'s
 * protocol, without libsystemd): one datagram to the AF_UNIX socket named
 * by $NOTIFY_SOCKET ('@' first: an abstract name).  Without the variable
 * (not started by systemd with Type=notify) it does nothing.
 */
#ifndef VNM_NOTIFY_H
#define VNM_NOTIFY_H

/* Sends state (e.g. "READY=1"); 0 when sent or no manager asked, -1 on a
 * failed send (errno set). */
int vnm_notify(const char *state);

#endif
