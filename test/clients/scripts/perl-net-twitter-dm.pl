# Sends one DM with Debian's Net::Twitter or Net::Twitter::Lite, unmodified, and prints what the library parsed.
use strict;
use warnings;
use JSON::PP;

my ($library, $apiurl, $auth, $by, $recipient, $text, $flavour) = @ARGV;
# `identica` is how these libraries were pointed at StatusNet: Basic auth, Laconica realm, paths under /api.
my @flavour = ($flavour // '') eq 'identica' ? (identica => 1) : ();
my %auth = $auth =~ /^basic:([^:]*):(.*)$/ ? (username => $1, password => $2) : ();
if (!%auth) {
    my ($ck, $cs, $t, $ts) = split /:/, $auth, 4;
    %auth = (consumer_key => $ck, consumer_secret => $cs, access_token => $t, access_token_secret => $ts);
}
my $nt;
if ($library eq 'Net::Twitter') {
    require Net::Twitter;
    my @traits = $auth{username} ? ('API::REST') : ('API::RESTv1_1', 'OAuth');
    $nt = Net::Twitter->new(traits => \@traits, @flavour, apiurl => $apiurl, ssl => 0, %auth);
} elsif ($library eq 'Net::Twitter::Lite' && $auth{username}) {
    require Net::Twitter::Lite;
    $nt = Net::Twitter::Lite->new(@flavour, apiurl => $apiurl, legacy_lists_api => 0, %auth);
} elsif ($library eq 'Net::Twitter::Lite') {
    require Net::Twitter::Lite::WithAPIv1_1;
    $nt = Net::Twitter::Lite::WithAPIv1_1->new(apiurl => $apiurl, ssl => 0, %auth);
} else {
    die "unknown library $library\n";
}
utf8::decode($text);
my $dm = eval { $nt->new_direct_message({ $by => $recipient, text => $text }) };
my $out;
if (my $err = $@) {
    die $err unless ref $err;
    # Both error classes keep the HTTP status and the parsed error document; Net::Twitter also names the code.
    my $doc = $err->twitter_error;
    my $first = ref $doc eq 'HASH' && ref $doc->{errors} eq 'ARRAY' ? $doc->{errors}[0] : {};
    # 1.1 writes {"errors":[{code, message}]}; 1.0 and StatusNet {"error": "…", "request": "…"}.
    my $message = $first->{message} // (ref $doc eq 'HASH' ? $doc->{error} : undef);
    $out = { error => { status => 0 + $err->code, code => $first->{code}, message => $message } };
} else {
    $out = {
        id => "$dm->{id}",
        text => $dm->{text},
        sender_id => "$dm->{sender_id}",
        sender_name => $dm->{sender}{name},
        recipient_id => "$dm->{recipient_id}",
        recipient_screen_name => $dm->{recipient_screen_name},
        created_at => $dm->{created_at},
    };
}
print JSON::PP->new->utf8->canonical->encode($out), "\n";
