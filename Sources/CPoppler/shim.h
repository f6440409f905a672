/* poppler-glib for the PDF loader: documents, pages, text, outline, plus the GLib calls that free what it returns. */
#include <glib.h>
#include <glib-object.h>
#include <poppler.h>
