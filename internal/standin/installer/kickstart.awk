# kickstart.awk — splits a kickstart file for the stand-in installer's /init.
# Runs under busybox awk (POSIX awk; no gawk extensions).
#
#   awk -v dir=DIR -f kickstart.awk ks.cfg
#
# Writes into DIR:
#   commands     one line per command outside sections, its words separated
#                by \037 (ASCII unit separator), in file order. Section
#                headers appear here too, so that /init can log the sections
#                it ignores: "%name<US>N<US>args...", N being the section's
#                number. "!error<US>text" and "!warning<US>text" report
#                problems.
#   post.N       the body of the N-th section (N counts every section), only
#                for %post, verbatim;
#   post.N.args  its header's words after "%post", \037-separated.
#
# Words are split the way pykickstart does it (shlex.split with comments):
# blanks separate words; '...' is literal; "..." is literal except that \"
# and \\ are unescaped; outside quotes a backslash escapes the next
# character; an unquoted # ends the line. No $ expansion of any kind, so a
# crypt hash like $6$salt$hash needs no quoting. Section bodies are copied
# as they are: they are scripts, not kickstart.

BEGIN {
	US = "\037"
	insec = ""
	nsec = 0
	cmds = dir "/commands"
	printf "" > cmds
}

# tokenize(line) — sets tok[1..n], returns n; sets tokerr on a missing quote.
function tokenize(line,    n, i, c, len, cur, have, q) {
	n = 0
	cur = ""
	have = 0
	q = ""
	tokerr = ""
	len = length(line)
	for (i = 1; i <= len; i++) {
		c = substr(line, i, 1)
		if (q == "'") {
			if (c == "'") q = ""
			else cur = cur c
			continue
		}
		if (q == "\"") {
			if (c == "\"") q = ""
			else if (c == "\\" && i < len && (substr(line, i + 1, 1) == "\"" || substr(line, i + 1, 1) == "\\")) {
				i++
				cur = cur substr(line, i, 1)
			} else cur = cur c
			continue
		}
		if (c == " " || c == "\t") {
			if (have) tok[++n] = cur
			cur = ""
			have = 0
			continue
		}
		if (c == "#") break
		if (c == "'" || c == "\"") {
			q = c
			have = 1
			continue
		}
		if (c == "\\" && i < len) {
			i++
			cur = cur substr(line, i, 1)
			have = 1
			continue
		}
		cur = cur c
		have = 1
	}
	if (q != "") tokerr = "missing closing quote"
	if (have) tok[++n] = cur
	return n
}

function join(from, n,    s, i) {
	s = ""
	for (i = from; i <= n; i++) s = s (i > from ? US : "") tok[i]
	return s
}

{ sub(/\r$/, "") }

# Inside a section: copy (%post) or skip until %end.
insec != "" {
	if ($0 ~ /^[ \t]*%end[ \t]*(#.*)?$/) {
		if (secfile != "") close(secfile)
		insec = ""
		secfile = ""
		next
	}
	if (secfile != "") print > secfile
	next
}

/^[ \t]*(#|$)/ { next }

{
	n = tokenize($0)
	if (n == 0) next
	if (tokerr != "") {
		print "!error" US "line " NR ": " tokerr ": " $0 > cmds
		next
	}
	if (tok[1] ~ /^%/) {
		name = substr(tok[1], 2)
		if (name == "end") {
			print "!warning" US "line " NR ": %end outside a section" > cmds
			next
		}
		if (name == "include" || name == "ksappend") {
			print tok[1] US join(2, n) > cmds
			next
		}
		nsec++
		insec = name
		secfile = ""
		if (name == "post") {
			secfile = dir "/post." nsec
			printf "" > secfile
			print join(2, n) > (secfile ".args")
			close(secfile ".args")
		}
		print tok[1] US nsec (n > 1 ? US join(2, n) : "") > cmds
		next
	}
	print join(1, n) > cmds
}

END {
	if (insec != "") {
		# Old kickstarts (RHEL 5) ended sections implicitly; Anaconda today
		# refuses that, so say so.
		print "!warning" US "section %" insec " has no %end: it runs to the end of the file" > cmds
		if (secfile != "") close(secfile)
	}
	close(cmds)
}
