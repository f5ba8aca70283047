/*
 * tapgso - write one TCP/IPv4 GSO packet into a tap, the way a virtio
 * guest hands its host a large send (virtio_net_hdr with gso_size; the
 * kernel leaves gso_segs 0 until something counts them).  For the link
 * driver's test that such packets are split before VXLAN encapsulation.
 *
 *   tapgso TAP SEGMENTS     (TAP made by: ip tuntap add TAP mode tap vnet_hdr)
 *
 * The frame goes to a made-up unicast MAC, so a bridge floods it to all
 * its ports.  Opening the tap gives it carrier, which the kernel passes
 * on to a bridge port later (link watch, up to a second): a frame written
 * before the port forwards is dropped, so the write waits for that (3 s at
 * most).  Exit status 0 when the kernel took the packet.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define MSS 1448

/* 1 when /sys/class/net/TAP/FILE starts with WANT */
static int sys_is(const char *tap, const char *file, const char *want)
{
	char path[128], got[32] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/net/%s/%s", tap, file);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (!fgets(got, sizeof(got), f))
		got[0] = '\0';
	fclose(f);
	return strncmp(got, want, strlen(want)) == 0;
}

/* until the tap has carrier and, when it is a bridge port, forwards */
static void wait_forwarding(const char *tap)
{
	char path[128];
	int i;

	snprintf(path, sizeof(path), "/sys/class/net/%s/brport", tap);
	for (i = 0; i < 300; i++) {
		if (sys_is(tap, "carrier", "1") &&
		    (access(path, F_OK) != 0 || sys_is(tap, "brport/state", "3")))
			return;
		usleep(10000);
	}
}

static uint16_t csum(const void *data, size_t len, uint32_t sum)
{
	const uint8_t *p = data;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)(p[len - 1] << 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

int main(int argc, char **argv)
{
	static uint8_t buf[sizeof(struct virtio_net_hdr) + 14 + 20 + 20 + 44 * MSS];
	struct virtio_net_hdr *vh = (struct virtio_net_hdr *)buf;
	uint8_t *eth, *ip, *tcp;
	struct ifreq ifr;
	size_t payload, ip_len, total;
	uint32_t pseudo;
	int fd, segs;

	if (argc < 3 || (segs = atoi(argv[2])) < 2 || segs > 44) {
		fprintf(stderr, "usage: tapgso TAP SEGMENTS(2..44)\n");
		return 2;
	}
	fd = open("/dev/net/tun", O_RDWR);
	if (fd < 0) {
		perror("/dev/net/tun");
		return 1;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", argv[1]);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0 ||
	    ioctl(fd, TUNSETOFFLOAD, TUN_F_CSUM | TUN_F_TSO4) < 0) {
		perror("tap");
		return 1;
	}
	wait_forwarding(argv[1]);
	payload = (size_t)segs * MSS;
	ip_len = 20 + 20 + payload;
	total = sizeof(*vh) + 14 + ip_len;
	memset(buf, 0, total);
	vh->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	vh->gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
	vh->hdr_len = 14 + 20 + 20;
	vh->gso_size = MSS;
	vh->csum_start = 14 + 20;
	vh->csum_offset = 16;
	eth = buf + sizeof(*vh);
	memcpy(eth, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00", 14);
	ip = eth + 14;
	ip[0] = 0x45;
	ip[2] = (uint8_t)(ip_len >> 8);
	ip[3] = (uint8_t)ip_len;
	ip[6] = 0x40; /* DF */
	ip[8] = 64;
	ip[9] = 6;
	memcpy(ip + 12, "\x0a\x63\x63\x01\x0a\x63\x63\x02", 8); /* 10.99.99.1 -> .2 */
	{
		uint16_t c = (uint16_t)~csum(ip, 20, 0);

		ip[10] = (uint8_t)(c >> 8);
		ip[11] = (uint8_t)c;
	}
	tcp = ip + 20;
	tcp[0] = 0x9c; tcp[1] = 0x40; /* 40000 */
	tcp[2] = 0x13; tcp[3] = 0x89; /* 5001 */
	tcp[7] = 1;                   /* seq 1 */
	tcp[12] = 5 << 4;             /* data offset */
	tcp[13] = 0x18;               /* PSH ACK */
	tcp[14] = 0xff; tcp[15] = 0xff;
	/* partial checksum: the pseudo header only, as a NIC would expect */
	pseudo = csum(ip + 12, 8, 0) + 6 + 20 + (uint32_t)payload;
	while (pseudo >> 16)
		pseudo = (pseudo & 0xffff) + (pseudo >> 16);
	tcp[16] = (uint8_t)(pseudo >> 8);
	tcp[17] = (uint8_t)pseudo;
	if (write(fd, buf, total) != (ssize_t)total) {
		fprintf(stderr, "write: %s\n", strerror(errno));
		return 1;
	}
	close(fd);
	return 0;
}
