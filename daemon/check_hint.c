/* check_hint.c - see check_hint.h. */
#include "check_hint.h"

#include <string.h>

#include <libxml/parser.h>
#include <libxml/xmlreader.h>

#define MAX_OPEN 64
#define PARSE_OPTS (XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING)

static void quiet(void *ctx, const xmlError *e)
{
	(void)ctx;
	(void)e;
}

int vnm_hint_truncated(const char *path, FILE *errout)
{
	xmlTextReaderPtr r;
	char open[MAX_OPEN][64];
	int line[MAX_OPEN], depth = 0, ret, last = 0, i, found = 0;

	xmlSetStructuredErrorFunc(NULL, (xmlStructuredErrorFunc)quiet);
	r = xmlReaderForFile(path, NULL, PARSE_OPTS);
	if (!r) {
		xmlSetStructuredErrorFunc(NULL, NULL);
		return 0;
	}
	while ((ret = xmlTextReaderRead(r)) == 1) {
		int type = xmlTextReaderNodeType(r), d = xmlTextReaderDepth(r);

		last = xmlTextReaderGetParserLineNumber(r);
		if (type == XML_READER_TYPE_ELEMENT && !xmlTextReaderIsEmptyElement(r) &&
		    d < MAX_OPEN) {
			snprintf(open[d], sizeof(open[d]), "%s",
				 (const char *)xmlTextReaderConstLocalName(r));
			line[d] = (int)xmlGetLineNo(xmlTextReaderCurrentNode(r));
			depth = d + 1;
		} else if (type == XML_READER_TYPE_END_ELEMENT) {
			depth = d;
		}
	}
	if (ret < 0) {
		const xmlError *e = xmlGetLastError();

		last = e && e->line ? e->line : last;
		if (e && (e->code == XML_ERR_TAG_NOT_FINISHED || e->code == XML_ERR_DOCUMENT_END ||
			  e->code == XML_ERR_GT_REQUIRED || e->code == XML_ERR_LTSLASH_REQUIRED ||
			  e->code == XML_ERR_NAME_REQUIRED) && depth > 0 &&
		    e->message && strstr(e->message, "end")) {
			/* name the outermost data element (below <config>) */
			i = depth > 1 && !strcmp(open[0], "config") ? 1 : 0;
			fprintf(errout, "error: %s: the XML ends before <%s> is closed (line %d); "
					"open:", path, open[i], last);
			for (; i < depth; i++)
				fprintf(errout, " <%s> (line %d)", open[i], line[i]);
			fprintf(errout, ": the file is cut short, complete it\n");
			found = 1;
		}
	}
	xmlFreeTextReader(r);
	xmlSetStructuredErrorFunc(NULL, NULL);
	return found;
}

static xmlNodePtr child(xmlNodePtr n, const char *name)
{
	for (n = n ? n->children : NULL; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name))
			return n;
	return NULL;
}

static void text_of(xmlNodePtr n, char *buf, size_t len)
{
	xmlChar *t = n ? xmlNodeGetContent(n) : NULL;

	snprintf(buf, len, "%s", t ? (const char *)t : "?");
	xmlFree(t);
}

/* Every <node> with a <router> child, anywhere in the tree. */
static int walk(const char *path, xmlNodePtr n, FILE *errout)
{
	int found = 0;

	for (; n; n = n->next) {
		xmlNodePtr router, image;
		char node[128], net[128];

		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (!strcmp((const char *)n->name, "node") && (router = child(n, "router"))) {
			image = child(router, "image");
			if (!image || (!child(image, "kernel") && !child(image, "disk"))) {
				text_of(child(n, "node-id"), node, sizeof(node));
				text_of(n->parent ? child(n->parent, "network-id") : NULL, net,
					sizeof(net));
				fprintf(errout, "error: %s: router %s of network %s has no image: give "
						"kernel or disk in its <image> (line %ld)\n",
					path, node, net, xmlGetLineNo(image ? image : router));
				found++;
			}
		}
		found += walk(path, n->children, errout);
	}
	return found;
}

int vnm_hint_imageless(const char *path, FILE *errout)
{
	xmlDocPtr doc;
	int n;

	xmlSetStructuredErrorFunc(NULL, (xmlStructuredErrorFunc)quiet);
	doc = xmlReadFile(path, NULL, PARSE_OPTS);
	xmlSetStructuredErrorFunc(NULL, NULL);
	if (!doc)
		return 0;
	n = walk(path, xmlDocGetRootElement(doc), errout);
	xmlFreeDoc(doc);
	return n;
}
