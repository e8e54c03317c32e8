<?php
// Echoes what php-cgi received over FastCGI, for the client tests.
$in = file_get_contents('php://input');
if (isset($_GET['status'])) {
	header('Status: ' . $_GET['status']);
}
header('Content-Type: text/plain; charset=utf-8');
header('X-Multi: a');
header('X-Multi: b', false);
if (isset($_GET['stderr'])) {
	error_log($_GET['stderr']);
}
if (isset($_GET['big'])) {
	echo str_repeat('0123456789abcdef', (int) $_GET['big'] / 16);
	exit;
}
echo "method=" . $_SERVER['REQUEST_METHOD'] . "\n";
echo "uri=" . $_SERVER['REQUEST_URI'] . "\n";
echo "query=" . $_SERVER['QUERY_STRING'] . "\n";
echo "content_type=" . ($_SERVER['CONTENT_TYPE'] ?? '') . "\n";
echo "content_length=" . ($_SERVER['CONTENT_LENGTH'] ?? '') . "\n";
echo "body_length=" . strlen($in) . "\n";
echo "body_md5=" . md5($in) . "\n";
if (isset($_SERVER['HTTP_X_TEST'])) {
	echo "x_test=" . $_SERVER['HTTP_X_TEST'] . "\n";
}
if (isset($_SERVER['BIG_PARAM'])) {
	echo "big_param_length=" . strlen($_SERVER['BIG_PARAM']) . "\n";
	echo "big_param_md5=" . md5($_SERVER['BIG_PARAM']) . "\n";
}
if (isset($_GET['echo'])) {
	echo $in;
}
